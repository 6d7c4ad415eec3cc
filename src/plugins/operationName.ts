import type { GraphQLRequestContext } from '@apollo/server';
import { getOperationAST } from 'graphql';

/**
 * The operation's name: Apollo's once it has resolved the operation, otherwise the one the
 * client asked for, or the one its document gives (an operation refused at validation has
 * no resolved name, and is the one worth naming).
 */
export function operationNameOf({
  operationName,
  request,
  document,
}: Pick<GraphQLRequestContext<object>, 'operationName' | 'request' | 'document'>): string | undefined {
  return operationName ?? request.operationName ?? (document && getOperationAST(document)?.name?.value);
}
