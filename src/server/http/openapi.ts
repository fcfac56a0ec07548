/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of the routes in `routes.ts`, with their bodies and
 * answers converted from the zod schemas the server validates with (`z.toJSONSchema`, JSON Schema
 * 2020-12, the dialect OpenAPI 3.1 uses). Built once per server.
 */
import { z } from 'zod';
import {
  enrolRequestSchema,
  enrolResponseSchema,
  errorResponseSchema,
  healthResponseSchema,
  pushRequestSchema,
  pushResponseSchema,
  sequenceConflictSchema,
  sequencesResponseSchema,
} from '../../contract/sync.js';
import { dayReportSchema } from '../../contract/day-report.js';
import { openApiDocumentSchema, ROUTES, type RouteSpec } from './routes.js';

/** The version of the HTTP API (`/v1/…`), not of the package. */
export const API_VERSION = '1.0.0';

const NAMED: readonly (readonly [string, z.ZodType])[] = [
  ['EnrolRequest', enrolRequestSchema],
  ['EnrolResponse', enrolResponseSchema],
  ['PushRequest', pushRequestSchema],
  ['PushResponse', pushResponseSchema],
  ['SequenceConflict', sequenceConflictSchema],
  ['Sequences', sequencesResponseSchema],
  ['Health', healthResponseSchema],
  ['DayReport', dayReportSchema],
  ['Error', errorResponseSchema],
  ['OpenApiDocument', openApiDocumentSchema],
];

type JsonObject = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonObject;
  return rest;
}

/** A query schema as OpenAPI parameters: one per property, each with its own JSON Schema. */
function queryParameters(schema: z.ZodObject): JsonObject[] {
  const object = jsonSchema(schema, 'input');
  const properties = (object['properties'] ?? {}) as Record<string, JsonObject>;
  const required = new Set((object['required'] ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({ name, in: 'query', required: required.has(name), schema: property }));
}

export function buildOpenApiDocument(options: { readonly serverUrl?: string } = {}): JsonObject {
  const schemas: JsonObject = {};
  const names = new Map<z.ZodType, string>();
  for (const [name, schema] of NAMED) {
    // Request bodies are described as the client must send them, answers as the server sends them.
    const io = name.endsWith('Request') ? 'input' : 'output';
    schemas[name] = jsonSchema(schema, io);
    names.set(schema, name);
  }
  const ref = (schema: z.ZodType, io: 'input' | 'output'): JsonObject => {
    const name = names.get(schema);
    return name ? { $ref: `#/components/schemas/${name}` } : jsonSchema(schema, io);
  };
  const operation = (spec: RouteSpec): JsonObject => {
    const responses: JsonObject = {};
    for (const [status, answer] of Object.entries(spec.answers)) {
      responses[status] = { description: answer.description, content: { [answer.contentType ?? 'application/json']: { schema: ref(answer.schema, 'output') } } };
    }
    responses['503'] ??= { description: 'The server is busy or closing: nothing was written; try again in a moment', content: { 'application/json': { schema: ref(errorResponseSchema, 'output') } } };
    responses['500'] = { description: 'A fault of the server (logged there); the answer carries no detail', content: { 'application/json': { schema: ref(errorResponseSchema, 'output') } } };
    return {
      operationId: spec.name,
      summary: spec.summary,
      description: spec.description,
      security: spec.auth ? [{ terminalCredential: [] }] : [],
      ...(spec.query ? { parameters: queryParameters(spec.query) } : {}),
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(spec.body, 'input') } } } } : {}),
      responses,
    };
  };
  const paths: Record<string, JsonObject> = {};
  for (const spec of ROUTES) {
    paths[spec.url] = { ...(paths[spec.url] ?? {}), [spec.method.toLowerCase()]: operation(spec) };
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Tally central server',
      version: API_VERSION,
      description: 'Sync between Tally terminals and their central server. Every body is JSON (Content-Type: application/json); every refusal is { "error": { "code", "message" } } and writes nothing.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    paths,
    components: {
      schemas,
      securitySchemes: {
        terminalCredential: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'tly_ followed by 43 base64url characters',
          description: "The credential a terminal received when it enrolled (POST /v1/enrol). The server keeps only its SHA-256; revoking the terminal makes it fail with 401.",
        },
      },
    },
  };
}
