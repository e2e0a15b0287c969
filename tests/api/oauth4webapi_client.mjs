// A strict third-party OAuth client against a live loopd: oauth4webapi
// checks every response (discovery, the redirect back, the token and
// refresh responses, revocation). The sign-in form is submitted with fetch,
// as a browser would, the CSRF token parsed from the HTML and the cookie
// carried by hand. Run by tests/api/test_oauth4webapi.py:
//   LOOPD_URL CLIENT_ID REDIRECT_URI EMAIL PASSWORD node oauth4webapi_client.mjs
// Prints one JSON line with what it saw; exits non-zero on any failure.
import * as oauth from 'oauth4webapi'

const env = process.env
const issuer = new URL(env.LOOPD_URL)
const insecure = { [oauth.allowInsecureRequests]: true } // loopback http in tests
const client = { client_id: env.CLIENT_ID }
const auth = oauth.None()

const as = await oauth.processDiscoveryResponse(
  issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }))
if (!as.code_challenge_methods_supported?.includes('S256')) throw new Error('no S256')

const verifier = oauth.generateRandomCodeVerifier()
const challenge = await oauth.calculatePKCECodeChallenge(verifier)
const state = oauth.generateRandomState()
const url = new URL(as.authorization_endpoint)
for (const [k, v] of Object.entries({
  response_type: 'code', client_id: client.client_id, redirect_uri: env.REDIRECT_URI,
  code_challenge: challenge, code_challenge_method: 'S256', state
})) url.searchParams.set(k, v)

const page = await fetch(url, { redirect: 'manual' })
if (page.status !== 200) throw new Error(`sign-in page: ${page.status}`)
const cookie = page.headers.get('set-cookie').split(';')[0]
const html = await page.text()
const form = new URLSearchParams()
for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
  form.set(m[1], m[2].replaceAll('&quot;', '"').replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&'))
}
if (!form.get('csrf_token')) throw new Error('no CSRF token in the page')
form.set('email', env.EMAIL)
form.set('password', env.PASSWORD)
const signedIn = await fetch(new URL('/oauth/authorize', issuer), {
  method: 'POST', body: form, redirect: 'manual', headers: { cookie }
})
if (signedIn.status !== 302) throw new Error(`sign-in: ${signedIn.status}`)
const back = new URL(signedIn.headers.get('location'))

const params = oauth.validateAuthResponse(as, client, back, state)
const tokens = await oauth.processAuthorizationCodeResponse(as, client,
  await oauth.authorizationCodeGrantRequest(as, client, auth, params, env.REDIRECT_URI,
    verifier, insecure))
const me = await fetch(new URL('/v1/me', issuer),
  { headers: { authorization: `Bearer ${tokens.access_token}` } })
if (me.status !== 200) throw new Error(`/v1/me: ${me.status}`)

const refreshed = await oauth.processRefreshTokenResponse(as, client,
  await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token, insecure))
if (refreshed.refresh_token === tokens.refresh_token) throw new Error('refresh did not rotate')
await oauth.processRevocationResponse(
  await oauth.revocationRequest(as, client, auth, refreshed.refresh_token, insecure))

console.log(JSON.stringify({
  issuer: as.issuer, scope: tokens.scope, me: (await me.json()).id,
  refreshed_scope: refreshed.scope
}))
