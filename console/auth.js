// Signing in as the public client `loopd-console`: authorization code with
// PKCE (S256). Tokens live in this module's variables only; the PKCE
// verifier and state wait in sessionStorage across the one redirect and are
// removed before the code is exchanged. An org link (/app/?org=ID) names the
// organisation to sign in to: it rides along in the same pending entry and
// is put back in the address bar, so signing in again stays in that org.

const CLIENT_ID = 'loopd-console';
const PENDING = 'loopd.console.pkce';
const REFRESH_MARGIN_S = 60;

let tokens = null;        // {access_token, refresh_token, expires_in}
let refreshTimer = null;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let metadata = null;      // RFC 8414: the issuer names the only redirect URI

async function server() {
  if (!metadata) {
    const r = await fetch('/.well-known/oauth-authorization-server', {cache: 'no-store'});
    if (!r.ok) throw new Error('loopd does not describe its sign-in (no authorization server metadata).');
    metadata = await r.json();
  }
  return metadata;
}

async function redirectUri() {
  return (await server()).issuer + '/app/';
}

function b64url(bytes) {
  let bin = '';
  for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomText() {
  return b64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function challengeOf(verifier) {
  return b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
}

// The organisation of the page's link (/app/?org=ID), or null.
function linkedOrg() {
  const org = new URLSearchParams(location.search).get('org');
  return org && UUID.test(org) ? org : null;
}

function appPath(org) {
  return '/app/' + (org ? '?org=' + encodeURIComponent(org) : '');
}

// Leaves for the sign-in page; comes back to /app/ with a code. The flow
// must start on the issuer's origin, where the redirect comes back to.
export async function signIn() {
  const meta = await server();
  const org = linkedOrg();
  if (new URL(meta.issuer).origin !== location.origin) {
    location.assign(meta.issuer + appPath(org));
    return;
  }
  const pending = {verifier: randomText(), state: randomText(), org};
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const q = new URLSearchParams({
    response_type: 'code', client_id: CLIENT_ID, redirect_uri: await redirectUri(),
    code_challenge: await challengeOf(pending.verifier), code_challenge_method: 'S256',
    state: pending.state,
  });
  if (org) q.set('org', org);
  location.assign(meta.authorization_endpoint + '?' + q);
}

async function tokenRequest(form) {
  const r = await fetch('/oauth/token', {
    method: 'POST', body: new URLSearchParams({...form, client_id: CLIENT_ID}),
    headers: {'Content-Type': 'application/x-www-form-urlencoded'}, cache: 'no-store',
  });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error_description || body.error || `token endpoint: ${r.status}`);
  return body;
}

function keep(body) {
  tokens = body;
  clearTimeout(refreshTimer);
  if (body.refresh_token) {
    const s = Math.max(5, body.expires_in - REFRESH_MARGIN_S);
    refreshTimer = setTimeout(() => refresh().catch(() => forget()), s * 1000);
  }
}

async function refresh() {
  keep(await tokenRequest({grant_type: 'refresh_token', refresh_token: tokens.refresh_token}));
}

function forget() {
  tokens = null;
  clearTimeout(refreshTimer);
  document.dispatchEvent(new Event('signedout'));
}

// On the way back from the sign-in page: checks state and exchanges the
// code. Returns true when signed in, throws when the answer is not ours.
export async function completeSignIn() {
  const q = new URLSearchParams(location.search);
  if (!q.has('code') && !q.has('error')) return false;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  const org = pending && typeof pending.org === 'string' && UUID.test(pending.org) ? pending.org : null;
  history.replaceState(null, '', appPath(org) + location.hash);
  if (!pending || q.get('state') !== pending.state)
    throw new Error('The sign-in answer does not belong to this page (state mismatch). Sign in again.');
  if (q.has('error')) throw new Error(q.get('error_description') || q.get('error'));
  keep(await tokenRequest({
    grant_type: 'authorization_code', code: q.get('code'), redirect_uri: await redirectUri(),
    code_verifier: pending.verifier,
  }));
  return true;
}

export function accessToken() {
  return tokens && tokens.access_token;
}

// Revokes the refresh token, which ends its family's access tokens too,
// and forgets both.
export async function signOut() {
  if (tokens) {
    const token = tokens.refresh_token || tokens.access_token;
    await fetch('/oauth/revoke', {
      method: 'POST', body: new URLSearchParams({token, client_id: CLIENT_ID}),
      headers: {'Content-Type': 'application/x-www-form-urlencoded'},
    }).catch(() => null);
  }
  forget();
}
