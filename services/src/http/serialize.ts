/**
 * Response serialization: each route's zod response schema (schemas/) as JSON Schema, compiled
 * once by fast-json-stringify, as fastify does with JSON Schemas. A field that is not in the
 * schema is not sent, so every field a client reads is declared there; a required field that is
 * missing fails the response (500) rather than leaving silently. Fields go out in the schema's
 * order: fast-json-stringify puts required fields first, so an object with optional fields is
 * compiled without its `required` list, and its optional fields stay in their place. Query and
 * params validation is the type provider's (zod, `validatorCompiler`).
 */
import fastJson from 'fast-json-stringify';
import { z } from 'zod';
import { BadParameterError } from '../errors.js';

type Serialize = (data: unknown) => string;
const compiled = new WeakMap<z.ZodType, Serialize>();

/** The JSON Schema of what a route sends (zod's output side), every schema inlined. */
export function responseJsonSchema(schema: z.ZodType): Record<string, unknown> {
  // An empty metadata registry: no `$ref`s to named schemas, so the compiled code is one piece.
  const json = z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'any', metadata: z.registry(), cycles: 'ref', reused: 'inline' });
  return inOrder(json) as Record<string, unknown>;
}

/** `json` with no `required` list on the objects that have optional properties. */
function inOrder(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(inOrder);
  if (json === null || typeof json !== 'object') return json;
  const o = Object.fromEntries(Object.entries(json).map(([k, v]) => [k, inOrder(v)])) as { properties?: object; required?: string[] };
  if (o.properties && o.required && o.required.length < Object.keys(o.properties).length) delete o.required;
  return o;
}

export const serializerCompiler = ({ schema }: { schema: unknown }): Serialize => {
  if (!(schema instanceof z.ZodType)) return fastJson(schema as unknown as Parameters<typeof fastJson>[0]);
  let f = compiled.get(schema);
  if (!f) {
    f = fastJson(responseJsonSchema(schema) as unknown as Parameters<typeof fastJson>[0]) as Serialize;
    compiled.set(schema, f);
  }
  return f;
};

/** A query or path parameter that does not pass its schema: 400 FER_ERR_BAD_PARAMETER naming it. */
export function schemaErrorFormatter(errors: ReadonlyArray<{ instancePath?: string; message?: string }>, dataVar: string): Error {
  const e = errors[0];
  const path = (e?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  return new BadParameterError(`${path || (dataVar === 'querystring' ? 'query' : dataVar)}: ${e?.message ?? 'invalid'}`);
}
