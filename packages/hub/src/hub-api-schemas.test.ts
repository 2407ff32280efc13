import { describe, expect, it } from 'vitest';
import { RevisionInfoSchema, SafetensorsIndexSchema, TreeListingSchema } from './hub-api-schemas.js';
import { HubError } from './hub-error.js';
import { checkHubShape } from './hub-shape.js';

const URL_REV = 'http://hub.test/api/models/org/tiny/revision/main';
const URL_TREE = 'http://hub.test/api/models/org/tiny/tree/0123456789abcdef0123456789abcdef01234567?recursive=true';
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const SHA = 'ab'.repeat(32);

function refusal(run: () => unknown): HubError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(HubError);
    expect((e as HubError).reason).toBe('malformed');
    expect((e as HubError).code).toBe('HUB');
    return e as HubError;
  }
  throw new Error('expected a HubError');
}

describe('RevisionInfoSchema (GET /api/models/<id>/revision/<rev>)', () => {
  it('reads the commit', () => {
    expect(checkHubShape(RevisionInfoSchema, { _id: 'x', id: 'org/tiny', sha: COMMIT }, URL_REV).sha).toBe(COMMIT);
  });
  it('refuses a missing sha, naming the URL and the field', () => {
    expect(refusal(() => checkHubShape(RevisionInfoSchema, { id: 'org/tiny' }, URL_REV)).message).toBe(`${URL_REV}: missing field "sha" (expected string)`);
  });
  it('refuses a mistyped sha, and one that is not a commit id', () => {
    expect(refusal(() => checkHubShape(RevisionInfoSchema, { sha: 42 }, URL_REV)).message).toBe(`${URL_REV}: field "sha" should be string, got 42`);
    expect(refusal(() => checkHubShape(RevisionInfoSchema, { sha: 'main' }, URL_REV)).message).toBe(`${URL_REV}: field "sha" is invalid: expected a 40-hex-digit commit id`);
  });
  it('refuses an answer that is not an object', () => {
    expect(refusal(() => checkHubShape(RevisionInfoSchema, null, URL_REV)).message).toMatch(/^http:\/\/hub\.test\/api\/models\/org\/tiny\/revision\/main: the value should be/);
  });
  it('ignores the fields the Hub adds over time', () => {
    expect(checkHubShape(RevisionInfoSchema, { sha: COMMIT, cardData: { license: 'mit' }, newFieldOf2027: [1] }, URL_REV)).toEqual({ sha: COMMIT });
  });
});

describe('TreeListingSchema (GET /api/models/<id>/tree/<commit>)', () => {
  const file = { type: 'file', path: 'model.safetensors', size: 10, oid: COMMIT, lfs: { oid: SHA, size: 10, pointerSize: 130 } };
  it('reads files and folders', () => {
    const listing = checkHubShape(TreeListingSchema, [file, { type: 'directory', path: 'sub', size: 0, oid: COMMIT }], URL_TREE);
    expect(listing.map((e) => e.path)).toEqual(['model.safetensors', 'sub']);
  });
  it('refuses an entry without its git id, naming the entry', () => {
    const { oid: _, ...noOid } = file;
    expect(refusal(() => checkHubShape(TreeListingSchema, [file, noOid], URL_TREE)).message).toBe(`${URL_TREE}: missing field "1.oid" (expected string)`);
  });
  it('refuses a mistyped size, a negative or fractional size, and an LFS id that is not a sha256', () => {
    expect(refusal(() => checkHubShape(TreeListingSchema, [{ ...file, size: '10' }], URL_TREE)).message).toBe(`${URL_TREE}: field "0.size" should be number, got "10"`);
    expect(refusal(() => checkHubShape(TreeListingSchema, [{ ...file, size: -1 }], URL_TREE)).message).toContain('field "0.size" is invalid: expected a size of at least 0 bytes');
    expect(refusal(() => checkHubShape(TreeListingSchema, [{ ...file, size: 1.5 }], URL_TREE)).message).toContain('field "0.size" is invalid: expected a whole number of bytes');
    expect(refusal(() => checkHubShape(TreeListingSchema, [{ ...file, lfs: { oid: '../blob', size: 10 } }], URL_TREE)).message).toContain('field "0.lfs.oid" is invalid: expected a 64-hex-digit sha256');
  });
  it('refuses paths that would leave the snapshot folder', () => {
    for (const path of ['../../outside', '/etc/passwd', 'a//b', 'a/./b', 'a\\b', '']) {
      expect(refusal(() => checkHubShape(TreeListingSchema, [{ ...file, path }], URL_TREE)).message).toContain('field "0.path" is invalid: expected a relative path inside the repository');
    }
  });
  it('ignores fields it does not read (xetHash, lastCommit, securityFileStatus, …)', () => {
    const [entry] = checkHubShape(TreeListingSchema, [{ ...file, xetHash: 'abc', lastCommit: { id: COMMIT }, securityFileStatus: {} }], URL_TREE);
    expect(Object.keys(entry).sort()).toEqual(['lfs', 'oid', 'path', 'size', 'type']);
  });
});

describe('SafetensorsIndexSchema (model.safetensors.index.json)', () => {
  const where = 'org/tiny/model.safetensors.index.json';
  it('reads the weight map', () => {
    expect(checkHubShape(SafetensorsIndexSchema, { weight_map: { a: 'model-00001-of-00002.safetensors' } }, where).weight_map.a).toBe('model-00001-of-00002.safetensors');
  });
  it('refuses a missing weight_map, a mistyped shard and a shard outside the repository', () => {
    expect(refusal(() => checkHubShape(SafetensorsIndexSchema, { metadata: {} }, where)).message).toBe(`${where}: missing field "weight_map" (expected an object)`);
    expect(refusal(() => checkHubShape(SafetensorsIndexSchema, { weight_map: { a: 3 } }, where)).message).toBe(`${where}: field "weight_map.a" should be string, got 3`);
    expect(refusal(() => checkHubShape(SafetensorsIndexSchema, { weight_map: { a: '../x.safetensors' } }, where)).message).toContain('field "weight_map.a" is invalid');
  });
  it('ignores metadata and other fields', () => {
    expect(checkHubShape(SafetensorsIndexSchema, { metadata: { total_size: 1 }, weight_map: {}, extra: true }, where)).toEqual({ weight_map: {} });
  });
});
