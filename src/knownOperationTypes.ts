import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';

/**
 * Refuses an operation whose root type the schema does not define (`mutation { … }` here,
 * where there are no mutations), at validation, as the client's mistake. graphql-js 16 has
 * no such rule and fails it only at execution, as an internal error.
 */
export function KnownOperationTypesRule(context: ValidationContext): ASTVisitor {
  const schema = context.getSchema();
  return {
    OperationDefinition(node) {
      if (schema.getRootType(node.operation)) return;
      const typeName = `${node.operation[0]!.toUpperCase()}${node.operation.slice(1)}`;
      context.reportError(
        new GraphQLError(`This server has no ${node.operation} operations: its schema defines no ${typeName} type.`, {
          nodes: node,
        }),
      );
    },
  };
}
