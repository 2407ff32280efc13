import { describe, expect, it } from 'vitest';
import { HubError } from './hub-error.js';
import { checkHubShape } from './hub-shape.js';
import { CommitAnswerSchema, CreateRepoAnswerSchema, LfsBatchAnswerSchema, PreuploadAnswerSchema } from './push-api-schemas.js';

const URL_PRE = 'http://hub.test/api/models/me/lora/preupload/main';
const URL_BATCH = 'http://hub.test/me/lora.git/info/lfs/objects/batch';
const URL_COMMIT = 'http://hub.test/api/models/me/lora/commit/main';
const URL_CREATE = 'http://hub.test/api/repos/create';
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const SHA = 'ab'.repeat(32);

function refusal(run: () => unknown): HubError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(HubError);
    expect((e as HubError).reason).toBe('malformed');
    return e as HubError;
  }
  throw new Error('expected a HubError');
}

describe('PreuploadAnswerSchema (POST /api/models/<id>/preupload/<rev>)', () => {
  const answer = { files: [{ path: 'adapter_model.safetensors', uploadMode: 'lfs', shouldIgnore: false }, { path: 'README.md', uploadMode: 'regular' }] };
  it('reads each file and its upload mode', () => {
    expect(checkHubShape(PreuploadAnswerSchema, answer, URL_PRE)).toEqual(answer);
  });
  it('refuses a missing files list, and a file without its mode', () => {
    expect(refusal(() => checkHubShape(PreuploadAnswerSchema, {}, URL_PRE)).message).toBe(`${URL_PRE}: missing field "files" (expected an array)`);
    expect(refusal(() => checkHubShape(PreuploadAnswerSchema, { files: [{ path: 'a' }] }, URL_PRE)).message).toBe(`${URL_PRE}: missing field "files.0.uploadMode" (expected ("lfs" | "regular"))`);
  });
  it('refuses a mistyped path and an unknown upload mode', () => {
    expect(refusal(() => checkHubShape(PreuploadAnswerSchema, { files: [{ path: 7, uploadMode: 'lfs' }] }, URL_PRE)).message).toBe(`${URL_PRE}: field "files.0.path" should be string, got 7`);
    expect(refusal(() => checkHubShape(PreuploadAnswerSchema, { files: [{ path: 'a', uploadMode: 'xet' }] }, URL_PRE)).message).toBe(`${URL_PRE}: field "files.0.uploadMode" should be ("lfs" | "regular"), got "xet"`);
  });
  it('ignores fields it does not read', () => {
    expect(checkHubShape(PreuploadAnswerSchema, { files: [{ path: 'a', uploadMode: 'regular', oid: 'x' }], commit: COMMIT }, URL_PRE)).toEqual({ files: [{ path: 'a', uploadMode: 'regular' }] });
  });
});

describe('LfsBatchAnswerSchema (POST <id>.git/info/lfs/objects/batch)', () => {
  const upload = { href: 'https://s3.test/bucket/x?sig=1', header: { 'X-Amz-Checksum': 'y' } };
  it('reads each object with its upload action or its error, and objects the Hub already has', () => {
    const answer = { transfer: 'basic', objects: [{ oid: SHA, size: 12, actions: { upload } }, { oid: 'cd'.repeat(32), size: 3 }, { oid: 'ef'.repeat(32), error: { code: 422, message: 'too large' } }] };
    expect(checkHubShape(LfsBatchAnswerSchema, answer, URL_BATCH)).toEqual(answer);
  });
  it('refuses a missing objects list, and an object without its oid', () => {
    expect(refusal(() => checkHubShape(LfsBatchAnswerSchema, { transfer: 'basic' }, URL_BATCH)).message).toBe(`${URL_BATCH}: missing field "objects" (expected an array)`);
    expect(refusal(() => checkHubShape(LfsBatchAnswerSchema, { objects: [{ size: 1 }] }, URL_BATCH)).message).toBe(`${URL_BATCH}: missing field "objects.0.oid" (expected string)`);
  });
  it('refuses a mistyped or malformed oid, size, upload URL, error or part size', () => {
    expect(refusal(() => checkHubShape(LfsBatchAnswerSchema, { objects: [{ oid: 'main' }] }, URL_BATCH)).message).toBe(`${URL_BATCH}: field "objects.0.oid" is invalid: expected a 64-hex-digit sha256`);
    expect(refusal(() => checkHubShape(LfsBatchAnswerSchema, { objects: [{ oid: SHA, size: -1 }] }, URL_BATCH)).message).toBe(`${URL_BATCH}: field "objects.0.size" is invalid: expected a size of at least 0 bytes`);
    expect(refusal(() => checkHubShape(LfsBatchAnswerSchema, { objects: [{ oid: SHA, actions: { upload: { href: '/relative' } } }] }, URL_BATCH)).message).toBe(
      `${URL_BATCH}: field "objects.0.actions.upload.href" is invalid: expected an absolute URL`,
    );
    expect(refusal(() => checkHubShape(LfsBatchAnswerSchema, { objects: [{ oid: SHA, actions: { upload: { href: 'file:///etc/passwd' } } }] }, URL_BATCH)).message).toBe(
      `${URL_BATCH}: field "objects.0.actions.upload.href" is invalid: expected an http or https URL`,
    );
    expect(refusal(() => checkHubShape(LfsBatchAnswerSchema, { objects: [{ oid: SHA, error: { code: '500', message: 'x' } }] }, URL_BATCH)).message).toBe(`${URL_BATCH}: field "objects.0.error.code" should be number, got "500"`);
    const multipart = (header: Record<string, string>): unknown => ({ objects: [{ oid: SHA, actions: { upload: { href: 'https://hub.test/complete', header } } }] });
    expect(checkHubShape(LfsBatchAnswerSchema, multipart({ chunk_size: '5000000', '1': 'https://s3.test/1', '2': 'https://s3.test/2' }), URL_BATCH)).toBeTruthy();
    expect(refusal(() => checkHubShape(LfsBatchAnswerSchema, multipart({ chunk_size: '0', '1': 'https://s3.test/1' }), URL_BATCH)).message).toBe(
      `${URL_BATCH}: field "objects.0.actions.upload.header" is invalid: chunk_size must be a whole number of bytes above 0`,
    );
    expect(refusal(() => checkHubShape(LfsBatchAnswerSchema, multipart({ chunk_size: '10', '1': 'ftp://x' }), URL_BATCH)).message).toBe(
      `${URL_BATCH}: field "objects.0.actions.upload.header" is invalid: each numbered part must be an http or https URL`,
    );
  });
  it('ignores fields it does not read (authenticated, expires_at, verify)', () => {
    const answer = { objects: [{ oid: SHA, size: 1, authenticated: true, actions: { upload: { href: 'https://s3.test/x', expires_at: '2030' }, verify: { href: 'https://hub.test/v' } } }] };
    expect(checkHubShape(LfsBatchAnswerSchema, answer, URL_BATCH)).toEqual({ objects: [{ oid: SHA, size: 1, actions: { upload: { href: 'https://s3.test/x' } } }] });
  });
});

describe('CommitAnswerSchema (POST /api/models/<id>/commit/<rev>)', () => {
  const answer = { commitOid: COMMIT, commitUrl: `https://hub.test/me/lora/commit/${COMMIT}` };
  it('reads the new commit and its page', () => {
    expect(checkHubShape(CommitAnswerSchema, answer, URL_COMMIT)).toEqual(answer);
  });
  it('refuses an answer without the commit id', () => {
    expect(refusal(() => checkHubShape(CommitAnswerSchema, { commitUrl: answer.commitUrl }, URL_COMMIT)).message).toBe(`${URL_COMMIT}: missing field "commitOid" (expected string)`);
  });
  it('refuses a mistyped commit id, and one that is not a commit id', () => {
    expect(refusal(() => checkHubShape(CommitAnswerSchema, { ...answer, commitOid: 1 }, URL_COMMIT)).message).toBe(`${URL_COMMIT}: field "commitOid" should be string, got 1`);
    expect(refusal(() => checkHubShape(CommitAnswerSchema, { ...answer, commitOid: 'main' }, URL_COMMIT)).message).toBe(`${URL_COMMIT}: field "commitOid" is invalid: expected a 40-hex-digit commit id`);
  });
  it('ignores fields it does not read', () => {
    expect(checkHubShape(CommitAnswerSchema, { ...answer, success: true, newField: [1] }, URL_COMMIT)).toEqual(answer);
  });
});

describe('CreateRepoAnswerSchema (POST /api/repos/create)', () => {
  it('reads the page of the new repository, ignoring its name and id', () => {
    expect(checkHubShape(CreateRepoAnswerSchema, { url: 'https://hub.test/me/lora', name: 'me/lora', id: 'x' }, URL_CREATE)).toEqual({ url: 'https://hub.test/me/lora' });
  });
  it('refuses a missing or mistyped url', () => {
    expect(refusal(() => checkHubShape(CreateRepoAnswerSchema, { name: 'me/lora' }, URL_CREATE)).message).toBe(`${URL_CREATE}: missing field "url" (expected string)`);
    expect(refusal(() => checkHubShape(CreateRepoAnswerSchema, { url: ['x'] }, URL_CREATE)).message).toBe(`${URL_CREATE}: field "url" should be string, got an array of 1`);
  });
});
