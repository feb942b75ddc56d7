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

/**
 * `json` with no `required` list on the objects that have optional properties, and a nullable
 * scalar (`anyOf: [{ type: T }, { type: 'null' }]`, zod's `.nullable()`) as `type: [T, 'null']`:
 * fast-json-stringify picks an `anyOf` branch by running ajv on the value (for every face of
 * every response), a type list by `typeof`.
 */
function inOrder(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(inOrder);
  if (json === null || typeof json !== 'object') return json;
  const o = Object.fromEntries(Object.entries(json).map(([k, v]) => [k, inOrder(v)])) as { properties?: object; required?: string[]; anyOf?: unknown[] };
  if (o.properties && o.required && o.required.length < Object.keys(o.properties).length) delete o.required;
  const nullable = nullableScalar(o.anyOf);
  if (nullable) {
    const { anyOf: _, ...rest } = o;
    return { ...rest, ...nullable, type: [nullable.type, 'null'] };
  }
  return o;
}

const SCALARS = new Set(['number', 'integer', 'string', 'boolean']);

/** The scalar branch of `anyOf: [scalar, { type: 'null' }]` (either order), else undefined. */
function nullableScalar(anyOf: unknown[] | undefined): { type: string } | undefined {
  if (anyOf?.length !== 2) return undefined;
  const isNull = (b: unknown) => typeof b === 'object' && b !== null && (b as { type?: unknown }).type === 'null' && Object.keys(b).length === 1;
  const other = isNull(anyOf[0]) ? anyOf[1] : isNull(anyOf[1]) ? anyOf[0] : undefined;
  const type = (other as { type?: unknown } | undefined)?.type;
  return typeof type === 'string' && SCALARS.has(type) ? (other as { type: string }) : undefined;
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
