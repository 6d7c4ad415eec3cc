import type { z } from 'zod';
import { UpstreamError } from '../../errors';
import type { CallPolicy } from '../../transport/callPolicy';
import type { CallOptions, HttpResponse, UpstreamConnection } from '../../transport/http';
import { helpcrunchError, refusalsOf, type Refusal } from './errors';
import { customerListSchema, customerPageSchema, customerSchema, type Customer, type CustomerPage } from './customer';
import { chatPageSchema, chatSchema, messagePageSchema, type Chat, type ChatPage, type MessagePage } from './chat';
import type { ChatSearchRequest, CustomerWrite, SearchRequest, TagWrite } from './wire';

/** HelpCrunch documents 100 as the page size; it is also the most filters we put in one search. */
export const SEARCH_PAGE_SIZE = 100;

export interface HelpCrunchClientOptions {
  apiKey: string;
  connection: UpstreamConnection;
  /** This account's limits, retries and circuit breaker. */
  policy: CallPolicy;
}

/** What a write answered: the customer it left, HelpCrunch's refusals of its input (a 400), or null when there is no such customer (a 404). */
export type WriteAnswer<T> = { done: T } | { refused: Refusal[] } | null;

interface HelpCrunchRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** The path with its ids left out, to name the call in metrics; the path itself when it has none. */
  route?: string;
  body?: unknown;
  /** Sent once: never retried after no answer (see CallPolicy); its 400 is an answer, not an error. */
  write?: boolean;
}

/** A typed client for the parts of the HelpCrunch REST API v1 this graph uses, for one account. */
export class HelpCrunchClient {
  constructor(private readonly options: HelpCrunchClientOptions) {}

  /** `GET /customers/{id}`; null when HelpCrunch answers 404. */
  async getCustomer(id: number, call: CallOptions): Promise<Customer | null> {
    const response = await this.send(call, { method: 'GET', path: `/customers/${id}`, route: '/customers/{id}' });
    if (response.status === 404) return null;
    return this.parse(response, customerSchema);
  }

  /**
   * One `POST /customers/search` that OR-s a `customers.id =` filter per id. HelpCrunch has
   * no multi-get, so this is the only way to fetch many customers in one call. The result
   * is in HelpCrunch's order, not the order asked.
   */
  async searchCustomersByIds(ids: readonly number[], call: CallOptions): Promise<Customer[]> {
    if (ids.length === 0) return [];
    if (ids.length > SEARCH_PAGE_SIZE) {
      throw new RangeError(`searchCustomersByIds takes at most ${SEARCH_PAGE_SIZE} ids, got ${ids.length}`);
    }
    const body: SearchRequest = {
      comparison: 'OR',
      filter: ids.map((id) => ({ field: 'customers.id', operator: '=', value: id })),
      limit: SEARCH_PAGE_SIZE,
      offset: 0,
    };
    const response = await this.send(call, { method: 'POST', path: '/customers/search', body });
    return this.parse(response, customerListSchema);
  }

  /** One `POST /customers/search` as given: a page of customers in the order asked, and the number that match. */
  async search(body: SearchRequest, call: CallOptions): Promise<CustomerPage> {
    const response = await this.send(call, { method: 'POST', path: '/customers/search', body });
    return this.parse(response, customerPageSchema);
  }

  /** `GET /chats/{id}`; null when HelpCrunch answers 404. */
  async getChat(id: number, call: CallOptions): Promise<Chat | null> {
    const response = await this.send(call, { method: 'GET', path: `/chats/${id}`, route: '/chats/{id}' });
    if (response.status === 404) return null;
    return this.parse(response, chatSchema);
  }

  /** One `POST /chats/search` as given: a page of chats, and how many match when HelpCrunch says. */
  async searchChats(body: ChatSearchRequest, call: CallOptions): Promise<ChatPage> {
    const response = await this.send(call, { method: 'POST', path: '/chats/search', body });
    return this.parse(response, chatPageSchema);
  }

  /** `GET /chats/{id}/messages`: a page of at most 100, newest first; null when HelpCrunch answers 404 (no such chat). */
  async chatMessages(chatId: number, offset: number, limit: number, call: CallOptions): Promise<MessagePage | null> {
    if (limit < 1 || limit > SEARCH_PAGE_SIZE) throw new RangeError(`chatMessages reads 1 to ${SEARCH_PAGE_SIZE} messages, got ${limit}`);
    const path = `/chats/${chatId}/messages?offset=${offset}&limit=${limit}`;
    const response = await this.send(call, { method: 'GET', path, route: '/chats/{id}/messages' });
    if (response.status === 404) return null;
    return this.parse(response, messagePageSchema);
  }

  /** `POST /customers` (201 with the customer). */
  async createCustomer(body: CustomerWrite, call: CallOptions): Promise<WriteAnswer<Customer>> {
    return this.write(call, { method: 'POST', path: '/customers', body }, this.customerOf);
  }

  /** `PATCH /customers/{id}`: only the fields sent change, and a null clears one. */
  async updateCustomer(id: number, body: CustomerWrite, call: CallOptions): Promise<WriteAnswer<Customer>> {
    return this.write(call, { method: 'PATCH', path: `/customers/${id}`, route: '/customers/{id}', body }, this.customerOf);
  }

  /** `PUT /customers/{id}/tags`: adds the tags (HelpCrunch creates a tag it does not have yet). */
  async tagCustomer(id: number, tags: TagWrite[], call: CallOptions): Promise<WriteAnswer<Customer>> {
    return this.write(call, { method: 'PUT', path: `/customers/${id}/tags`, route: '/customers/{id}/tags', body: { tags } }, this.customerOf);
  }

  /** `DELETE /customers/{id}/tags`: removes the tags named. */
  async untagCustomer(id: number, tags: TagWrite[], call: CallOptions): Promise<WriteAnswer<Customer>> {
    return this.write(call, { method: 'DELETE', path: `/customers/${id}/tags`, route: '/customers/{id}/tags', body: { tags } }, this.customerOf);
  }

  /** `DELETE /customers/{id}`: HelpCrunch answers 200 with "Ok", whatever its body's type. */
  async deleteCustomer(id: number, call: CallOptions): Promise<WriteAnswer<true>> {
    return this.write(call, { method: 'DELETE', path: `/customers/${id}`, route: '/customers/{id}' }, () => true as const);
  }

  /** A write, sent once: its 400 is HelpCrunch's refusals, its 404 null, its success what `answer` reads of it. */
  private async write<T>(call: CallOptions, request: HelpCrunchRequest, answer: (response: HttpResponse) => T): Promise<WriteAnswer<T>> {
    const response = await this.send(call, { ...request, write: true });
    if (response.status === 404) return null;
    if (response.status === 400 || response.status === 422) return { refused: refusalsOf(response.json) };
    return { done: answer(response) };
  }

  private customerOf = (response: HttpResponse): Customer => this.parse(response, customerSchema);

  /**
   * One call through the account's policy. Errors are raised inside the attempt, so that
   * the policy sees a 5xx (to retry) or a 429 (to hold off) for what it is.
   */
  private async send(call: CallOptions, request: HelpCrunchRequest): Promise<HttpResponse> {
    const { connection, apiKey, policy } = this.options;
    const { method, path, body, write = false } = request;
    return policy.run(`${method} ${request.route ?? path}`, async (signal, timeoutMs) => {
      const response = await connection.send({
        method,
        path,
        headers: { authorization: `Bearer ${apiKey}` },
        call,
        body,
        signal,
        timeoutMs,
      });
      const answered = (response.status >= 200 && response.status < 300) || response.status === 404 || (write && (response.status === 400 || response.status === 422));
      if (!answered) throw helpcrunchError(response, [apiKey]);
      return response;
    }, { write });
  }

  private parse<T>(response: HttpResponse, schema: z.ZodType<T, unknown>): T {
    if (response.status === 404) throw helpcrunchError(response, [this.options.apiKey]);
    if (response.json === undefined) {
      throw new UpstreamError('UPSTREAM_BAD_RESPONSE', 'HelpCrunch sent a body that is not JSON', {
        service: 'helpcrunch',
        status: response.status,
      });
    }
    const parsed = schema.safeParse(response.json);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join('.') || 'body';
      throw new UpstreamError('UPSTREAM_BAD_RESPONSE', `HelpCrunch sent an unexpected shape at ${where}`, {
        service: 'helpcrunch',
        status: response.status,
      });
    }
    return parsed.data;
  }
}
