import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationRule } from 'graphql';
import type { GraphQLLimitsConfig } from './config';

/** The code of every refusal for size: depth, cost, aliases, directives, tokens. */
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

/** A limit graphql-armor reported; Apollo wraps it as a validation error, and formatError gives it its own code. */
class QueryLimitError extends GraphQLError {}

export interface QueryLimits {
  validationRules: ValidationRule[];
  plugins: ApolloServerPlugin[];
  /** graphql-js counts tokens while it parses, so a huge document is never built. */
  parseOptions: { maxTokens: number };
}

/**
 * What one operation may ask for, checked before it runs (graphql-armor's validation rules,
 * graphql-js's token limit). Field suggestions are masked when introspection is off, since
 * they would show the schema to whoever may not introspect it.
 */
export function queryLimits(config: GraphQLLimitsConfig, { introspection }: { introspection: boolean }): QueryLimits {
  const report = {
    propagateOnRejection: false,
    onReject: [
      // graphql-armor words every refusal as a "Syntax Error", which it is not.
      (context: { reportError(error: GraphQLError): void } | null, error: GraphQLError) =>
        context?.reportError(new QueryLimitError(error.message.replace(/^Syntax Error: /, ''))),
    ],
  };
  const armor = new ApolloArmor({
    maxDepth: { n: config.maxDepth, ...report },
    costLimit: { maxCost: config.maxCost, ...report },
    maxAliases: { n: config.maxAliases, ...report },
    maxDirectives: { n: config.maxDirectives, ...report },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: !introspection },
  }).protect();
  return { validationRules: armor.validationRules, plugins: armor.plugins, parseOptions: { maxTokens: config.maxTokens } };
}

/** Whether Apollo's validation or parse failure is in fact a refusal for size. */
export function isQueryLimitError(error: GraphQLError): boolean {
  if (error.originalError instanceof QueryLimitError) return true;
  // graphql 16 spells it "more that N tokens"; accept the corrected spelling too.
  return error.extensions.code === 'GRAPHQL_PARSE_FAILED' && /Document contains more th\w+ \d+ tokens/.test(error.message);
}
