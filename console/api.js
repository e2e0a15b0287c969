// The public /v1 API with the signed-in user's bearer token. Every answer
// comes back as {status, ok, body, etag}; a problem document is the body of
// a failed one.
import {accessToken} from './auth.js';

export async function call(method, path, {json, ifMatch} = {}) {
  const headers = {Authorization: 'Bearer ' + accessToken()};
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  if (ifMatch) headers['If-Match'] = ifMatch;
  const r = await fetch(path, {
    method, headers, cache: 'no-store',
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await r.text();
  const body = text ? JSON.parse(text) : null;
  return {status: r.status, ok: r.ok, body, etag: r.headers.get('ETag')};
}

export const get = (path) => call('GET', path);

// GET that must succeed: throws the problem so the page shows it.
export async function read(path) {
  const r = await get(path);
  if (!r.ok) throw Object.assign(new Error(r.body && r.body.title), {problem: r.body});
  return r.body;
}

// Every row of a paginated list.
export async function readAll(path) {
  const rows = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await read(path + sep + 'limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    rows.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor && rows.length < 1000);
  return rows;
}
