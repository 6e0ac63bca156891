import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, hashRequest } from './index.js';

describe('request hashing', () => {
  it('gives the same hash whatever the order of object keys', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(hashRequest('POST', '/p', reversed)).toBe(hashRequest('POST', '/p', obj));
      }),
    );
  });

  it('tells apart requests that differ in method, path or body', () => {
    const base = hashRequest('POST', '/v1/cases/a/updates', { title: 't' });
    expect(hashRequest('PUT', '/v1/cases/a/updates', { title: 't' })).not.toBe(base);
    expect(hashRequest('POST', '/v1/cases/b/updates', { title: 't' })).not.toBe(base);
    expect(hashRequest('POST', '/v1/cases/a/updates', { title: 'u' })).not.toBe(base);
    expect(hashRequest('post', '/v1/cases/a/updates', { title: 't' })).toBe(base);
  });

  it('drops undefined members and keeps a __proto__ member as data', () => {
    expect(canonicalJson({ b: 1, a: undefined, c: [1, { z: 1, y: 2 }] })).toBe('{"b":1,"c":[1,{"y":2,"z":1}]}');
    const parsed = JSON.parse('{"__proto__":{"x":1},"a":1}') as unknown;
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"x":1},"a":1}');
    expect(hashRequest('POST', '/p', parsed)).not.toBe(hashRequest('POST', '/p', { a: 1 }));
  });
});
