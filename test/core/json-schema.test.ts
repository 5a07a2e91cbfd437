import test from 'ava';
import { PosePortError } from '../../src/core/errors.js';
import { assertJson, SchemaError, validateJson, type JsonSchema } from '../../src/core/json-schema.js';

const ok = (t: any, s: JsonSchema, v: unknown) => t.is(validateJson(s, v), null, JSON.stringify(v));
const bad = (t: any, s: JsonSchema, v: unknown, path: string, re: RegExp) => {
  const f = validateJson(s, v);
  t.truthy(f, `${JSON.stringify(v)} should fail`);
  t.is(f!.path, path);
  t.regex(f!.message, re);
};

test('type, including integer and type lists', (t) => {
  ok(t, { type: 'integer' }, 3);
  bad(t, { type: 'integer' }, 3.5, '$', /expected integer, got number 3.5/);
  bad(t, { type: 'number' }, '3', '$', /expected number, got string/);
  bad(t, { type: 'number' }, NaN, '$', /expected number/);
  ok(t, { type: ['string', 'null'] }, null);
  bad(t, { type: 'object' }, [], '$', /expected object, got array/);
  bad(t, { type: 'array' }, {}, '$', /expected array/);
  ok(t, { type: 'boolean' }, false);
});

test('objects: properties, required, additionalProperties', (t) => {
  const s = { type: 'object', required: ['a'], properties: { a: { type: 'string' }, 'b-c': { type: 'integer' } }, additionalProperties: false };
  ok(t, s, { a: 'x', 'b-c': 1 });
  bad(t, s, {}, '$', /missing required property 'a'/);
  bad(t, s, { a: 'x', z: 1 }, '$.z', /unexpected property 'z'/);
  bad(t, s, { a: 'x', 'b-c': 'no' }, '$["b-c"]', /expected integer/);
  bad(t, { additionalProperties: { type: 'number' } }, { m: 'x' }, '$.m', /expected number/);
});

test('arrays: items, prefixItems, minItems, maxItems, uniqueItems', (t) => {
  const pair = { type: 'array', prefixItems: [{ type: 'integer' }, { type: 'string' }], minItems: 2, maxItems: 2 };
  ok(t, pair, [1, 'a']);
  bad(t, pair, [1], '$', /at least 2 items, got 1/);
  bad(t, pair, [1, 'a', 3], '$', /at most 2 items/);
  bad(t, pair, ['a', 'a'], '$[0]', /expected integer/);
  bad(t, { items: { minimum: 0 } }, [1, 2, -1], '$[2]', /-1 is below the minimum 0/);
  bad(t, { uniqueItems: true }, [[1], [2], [1]], '$', /items 0 and 2 are equal/);
  bad(t, { type: 'object', properties: { x: { items: { type: 'string' } } } }, { x: ['a', 3] }, '$.x[1]', /expected string/);
});

test('enum, const, numeric bounds, string length and pattern', (t) => {
  bad(t, { enum: ['a', 'b'] }, 'c', '$', /one of "a", "b", got "c"/);
  ok(t, { const: { a: [1, 2] } }, { a: [1, 2] });
  bad(t, { const: { a: [1, 2] } }, { a: [1, 3] }, '$', /expected/);
  bad(t, { maximum: 3 }, 4, '$', /above the maximum 3/);
  bad(t, { exclusiveMinimum: 0 }, 0, '$', /greater than 0/);
  bad(t, { exclusiveMaximum: 1 }, 1, '$', /less than 1/);
  bad(t, { minLength: 2 }, 'a', '$', /shorter/);
  bad(t, { maxLength: 1 }, 'ab', '$', /longer/);
  bad(t, { pattern: '^[0-9a-f]{4}$' }, 'abcg', '$', /does not match/);
  ok(t, { pattern: '^[0-9a-f]{4}$' }, 'abcd');
});

test('$ref to $defs and to the root, anyOf, oneOf, allOf, not', (t) => {
  const s = {
    $defs: { pos: { type: 'integer', minimum: 1 }, node: { type: 'object', properties: { next: { $ref: '#' } } } },
    type: 'object',
    properties: { n: { $ref: '#/$defs/pos' }, next: { $ref: '#' } },
  };
  ok(t, s, { n: 1, next: { n: 2, next: {} } });
  bad(t, s, { n: 1, next: { next: { n: 0 } } }, '$.next.next.n', /below the minimum 1/);
  const any = { anyOf: [{ type: 'string' }, { type: 'object', properties: { a: { type: 'integer' } } }] };
  ok(t, any, 'x');
  bad(t, any, { a: 'x' }, '$.a', /expected integer.*no anyOf alternative matches at \$/);
  const one = { oneOf: [{ type: 'integer' }, { type: 'number' }] };
  ok(t, one, 1.5);
  bad(t, one, 1, '$', /matches 2 of the oneOf alternatives/);
  bad(t, { allOf: [{ type: 'number' }, { minimum: 2 }] }, 1, '$', /below the minimum/);
  bad(t, { not: { type: 'null' } }, null, '$', /must not match/);
  ok(t, true, 1);
  bad(t, false, 1, '$', /no value is allowed/);
});

test('unsupported keywords and references are refused, not ignored', (t) => {
  t.throws(() => validateJson({ multipleOf: 2 }, 3), { instanceOf: SchemaError, message: /unsupported keyword 'multipleOf'/ });
  t.throws(() => validateJson({ $ref: 'other.json#/x' }, 3), { instanceOf: SchemaError, message: /unresolvable \$ref/ });
  t.throws(() => validateJson({ $ref: '#/$defs/missing', $defs: {} }, 3), { instanceOf: SchemaError });
  t.throws(() => validateJson({ type: 'float' }, 3), { instanceOf: SchemaError, message: /unknown type 'float'/ });
  // a keyword nested in a branch that is reached is checked too
  t.throws(() => validateJson({ properties: { a: { format: 'uri' } } }, { a: 'x' }), { instanceOf: SchemaError });
});

test('assertJson throws a PosePortError with the given code and the path', (t) => {
  const e = t.throws(() => assertJson({ properties: { a: { type: 'string' } } }, { a: 1 }, { code: 'MODEL_FORMAT', what: 'report.json', file: 'x/report.json' }), {
    instanceOf: PosePortError,
  });
  t.is(e!.code, 'MODEL_FORMAT');
  t.is(e!.key, '$.a');
  t.regex(e!.message, /^report\.json: \$\.a: expected string, got number 1 \(x\/report\.json\)$/);
});

test('a property holding undefined is absent, as in JSON', (t) => {
  const s = { type: 'object', required: ['a'], properties: { a: { type: 'string' } }, additionalProperties: false };
  ok(t, s, { a: 'x', b: undefined });
  bad(t, s, { a: undefined }, '$', /missing required property 'a'/);
});
