import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationRule } from 'graphql';
import type { GraphQLLimitsConfig } from './config';

/** The code of every refusal for size: depth, cost, aliases, directives, tokens. */
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

/** Which limit refused an operation, as `extensions.limit` names it: the setting, without its prefix. */
export type QueryLimit = 'MAX_DEPTH' | 'MAX_COST' | 'MAX_ALIASES' | 'MAX_DIRECTIVES' | 'MAX_TOKENS';

/** A limit graphql-armor reported; Apollo wraps it as a validation error, and formatError gives it its own code. */
class QueryLimitError extends GraphQLError {
  constructor(
    message: string,
    readonly limit: QueryLimit,
  ) {
    super(message);
  }
}

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
  const reportAs = (limit: QueryLimit) => ({
    propagateOnRejection: false,
    onReject: [
      (context: { reportError(error: GraphQLError): void } | null, error: GraphQLError) =>
        context?.reportError(new QueryLimitError(reworded(error.message), limit)),
    ],
  });
  const armor = new ApolloArmor({
    maxDepth: { n: config.maxDepth, ...reportAs('MAX_DEPTH') },
    costLimit: { maxCost: config.maxCost, ...reportAs('MAX_COST') },
    maxAliases: { n: config.maxAliases, ...reportAs('MAX_ALIASES') },
    maxDirectives: { n: config.maxDirectives, ...reportAs('MAX_DIRECTIVES') },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: !introspection },
  }).protect();
  return { validationRules: armor.validationRules, plugins: armor.plugins, parseOptions: { maxTokens: config.maxTokens } };
}

/**
 * graphql-armor words every refusal as a "Syntax Error", which it is not, and prints the
 * cost it found with all its decimals.
 */
function reworded(message: string): string {
  return message
    .replace(/^Syntax Error: /, '')
    .replace(/found (\d+\.\d+)/, (_, cost: string) => `found ${Math.ceil(Number(cost))}`);
}

/** Which limit refused the operation, when Apollo's validation or parse failure is in fact a refusal for size. */
export function queryLimitOf(error: GraphQLError): QueryLimit | undefined {
  if (error.originalError instanceof QueryLimitError) return error.originalError.limit;
  // graphql 16 spells it "more that N tokens"; accept the corrected spelling too.
  if (error.extensions.code === 'GRAPHQL_PARSE_FAILED' && /Document contains more th\w+ \d+ tokens/.test(error.message)) {
    return 'MAX_TOKENS';
  }
  return undefined;
}
