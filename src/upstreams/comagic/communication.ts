import type * as Graph from '../../generated/resolvers-types';
import type { Connection, Edge } from '../../graphql/connection';
import type { AllCovered, Covers } from '../../graphql/coverage';
import { instantOf } from './time';
import type { WireCall, WireChatRow, WireOfflineMessage } from './wire';

/** What every communication has: the report's row id, when, and whose. */
interface CommunicationBase {
  id: string;
  communicationId: string | null;
  /** When the call started, the chat began, the message came: ISO-8601, UTC. */
  at: string;
  /** Not fields: `visitor` loads the visitor; the loaders match rows to persons and visitors by them. */
  visitorId: number | null;
  personId: number | null;
  site: string | null;
}

export interface Call extends CommunicationBase {
  kind: 'CALL';
  finishedAt: string | null;
  direction: Graph.CallDirection | null;
  lost: boolean | null;
  contactPhoneNumber: string | null;
  virtualPhoneNumber: string | null;
  waitDuration: number | null;
  talkDuration: number | null;
  totalDuration: number | null;
  employees: Employee[];
}

export interface VisitorChat extends CommunicationBase {
  kind: 'CHAT';
  chatStatus: Graph.VisitorChatStatus | null;
  initiator: Graph.VisitorChatInitiator | null;
  duration: number | null;
  answerTime: number | null;
  channel: string | null;
  messagesCount: number | null;
  employee: Employee | null;
  visitorPhoneNumber: string | null;
}

export interface OfflineMessage extends CommunicationBase {
  kind: 'OFFLINE_MESSAGE';
  text: string | null;
  messageStatus: Graph.OfflineMessageStatus | null;
  formName: string | null;
  visitorName: string | null;
  visitorEmail: string | null;
  visitorPhoneNumber: string | null;
  employee: Employee | null;
}

export type Communication = Call | VisitorChat | OfflineMessage;
export type CommunicationKind = Communication['kind'];

/** The GraphQL type of each kind of communication. */
export const TYPENAME_OF_KIND = { CALL: 'Call', CHAT: 'VisitorChat', OFFLINE_MESSAGE: 'OfflineMessage' } as const;

export interface Employee {
  id: string | null;
  fullName: string | null;
}

declare module '../../graphql/mappers' {
  interface Mappers {
    Call: Call;
    VisitorChat: VisitorChat;
    OfflineMessage: OfflineMessage;
    Communication: Communication;
    Employee: Employee;
    CommunicationConnection: Connection<Communication>;
    CommunicationEdge: Edge<Communication>;
  }
}

export type Covered = AllCovered<
  [
    Covers<Call, Graph.Call, 'visitor'>,
    Covers<VisitorChat, Graph.VisitorChat, 'visitor'>,
    Covers<OfflineMessage, Graph.OfflineMessage, 'visitor'>,
    Covers<Employee, Graph.Employee>,
  ]
>;

/** The shape of stored communications: part of their cache keys (see PERSON_SHAPE). */
export const COMMUNICATION_SHAPE = 1;

const DIRECTIONS: Record<string, Graph.CallDirection> = { in: 'IN', out: 'OUT' };
const CHAT_STATUSES: Record<string, Graph.VisitorChatStatus> = { new: 'NEW', active: 'ACTIVE', lost: 'LOST', succeed: 'SUCCEEDED', refused: 'REFUSED' };
const INITIATORS: Record<string, Graph.VisitorChatInitiator> = {
  operator: 'OPERATOR',
  visitor: 'VISITOR',
  autoinvite: 'AUTO_INVITE',
  chat_channel: 'CHANNEL',
  chatbot: 'CHATBOT',
};
const MESSAGE_STATUSES: Record<string, Graph.OfflineMessageStatus> = { processing: 'PROCESSING', processed: 'PROCESSED', not_processed: 'NOT_PROCESSED' };

function textOf(value: string | number | null | undefined): string | null {
  return value === null || value === undefined || value === '' ? null : String(value);
}

function seconds(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(value);
}

function employeeOf(id: number | null | undefined, fullName: string | null | undefined): Employee | null {
  return id == null && fullName == null ? null : { id: textOf(id), fullName: fullName ?? null };
}

/** A report row's time as ISO-8601; the wire schema has checked its form. */
function isoOf(local: string, timeZone: string): string {
  return new Date(instantOf(local, timeZone) ?? NaN).toISOString();
}

function base(row: WireCall | WireChatRow | WireOfflineMessage, local: string, timeZone: string): CommunicationBase {
  return {
    id: String(row.id),
    communicationId: textOf(row.communication_id),
    at: isoOf(local, timeZone),
    visitorId: row.visitor_id ?? null,
    personId: row.person_id ?? null,
    site: row.site_domain_name ?? null,
  };
}

export function callOf(row: WireCall, timeZone: string): Call {
  return {
    ...base(row, row.start_time, timeZone),
    kind: 'CALL',
    finishedAt: row.finish_time ? isoOf(row.finish_time, timeZone) : null,
    direction: DIRECTIONS[row.direction ?? ''] ?? null,
    lost: row.is_lost ?? null,
    contactPhoneNumber: textOf(row.contact_phone_number),
    virtualPhoneNumber: textOf(row.virtual_phone_number),
    waitDuration: seconds(row.wait_duration),
    talkDuration: seconds(row.talk_duration),
    totalDuration: seconds(row.total_duration),
    employees: (row.employees ?? []).map((employee) => ({ id: textOf(employee.employee_id), fullName: employee.employee_full_name ?? null })),
  };
}

export function visitorChatOf(row: WireChatRow, timeZone: string): VisitorChat {
  return {
    ...base(row, row.date_time, timeZone),
    kind: 'CHAT',
    chatStatus: CHAT_STATUSES[row.status ?? ''] ?? null,
    initiator: INITIATORS[row.initiator ?? ''] ?? null,
    duration: seconds(row.duration),
    answerTime: seconds(row.answer_time),
    channel: row.chat_channel_type ?? null,
    messagesCount: seconds(row.messages_count),
    employee: employeeOf(row.employee_id, row.employee_full_name),
    visitorPhoneNumber: textOf(row.visitor_phone_number),
  };
}

export function offlineMessageOf(row: WireOfflineMessage, timeZone: string): OfflineMessage {
  return {
    ...base(row, row.date_time, timeZone),
    kind: 'OFFLINE_MESSAGE',
    text: row.text ?? null,
    messageStatus: MESSAGE_STATUSES[row.status ?? ''] ?? null,
    formName: row.form_name ?? null,
    visitorName: row.visitor_name ?? null,
    visitorEmail: row.visitor_email ?? null,
    visitorPhoneNumber: textOf(row.visitor_phone_number),
    employee: employeeOf(row.employee_id, row.employee_full_name),
  };
}
