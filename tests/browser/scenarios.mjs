// The console's browser scenarios, one per role, end to end through the
// real pages. run.py starts loopd, seeds LOOP_SEED and runs this file.
import assert from 'node:assert/strict';
import {chromium} from 'playwright-core';

const BASE = process.env.LOOP_BASE_URL;
const SEED = JSON.parse(process.env.LOOP_SEED);
const SHOTS = process.env.LOOP_SCREENSHOTS;
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const WAIT_MS = 20000;
let current = null;   // the page of the running scenario, shot when it fails

async function shot(page, name, fullPage = true) {
  await page.screenshot({path: `${SHOTS}/${name}.png`, fullPage});
}

// A 1280 x 720 view from the element down, small enough for the README.
async function readmeShot(page, element, name) {
  await element.evaluate((el) => el.scrollIntoView({block: 'start'}));
  await page.screenshot({path: `${SHOTS}/${name}.png`, clip: {x: 0, y: 0, width: 1280, height: 720}});
}

// A fresh browser context at 1280 px in UTC; records every token the
// token endpoint hands out and every CSP refusal the console logs.
async function session(browser) {
  const context = await browser.newContext({viewport: {width: 1280, height: 900}, timezoneId: 'UTC'});
  const page = await context.newPage();
  current = page;
  page.setDefaultTimeout(WAIT_MS);
  const seen = {tokens: [], refusals: []};
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) seen.refusals.push(m.text()); });
  page.on('pageerror', (e) => seen.refusals.push('page error: ' + e.message));
  page.on('response', async (r) => {
    if (r.url() === BASE + '/oauth/token' && r.ok()) {
      const body = await r.json();
      seen.tokens.push(body.access_token, body.refresh_token);
      seen.access = body.access_token;
    }
  });
  return {context, page, seen};
}

// Signs in through the console's button and loopd's sign-in page (PKCE).
async function signIn(page, who) {
  const r = await page.goto(BASE + '/app/');
  assert.equal(r.headers()['content-security-policy'], CSP);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.waitForURL(/\/oauth\/authorize\?/);
  const q = new URL(page.url()).searchParams;
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.equal(q.get('client_id'), 'loopd-console');
  assert.equal(q.get('redirect_uri'), BASE + '/app/');
  await page.locator('input[name="email"]').fill(who.email);
  await page.locator('input[name="password"]').fill(who.password);
  await page.locator('form button[type="submit"], form input[type="submit"]').first().click();
  await page.getByRole('button', {name: 'Sign out'}).waitFor();
  assert.equal(new URL(page.url()).search, '', 'the code left the address bar');
}

// No token anywhere a script or another tab could find it later.
async function assertTokensInMemoryOnly(page, seen) {
  assert.ok(seen.tokens.filter(Boolean).length >= 1, 'a token was issued');
  const stored = await page.evaluate(() => JSON.stringify([{...localStorage}, {...sessionStorage}, document.cookie]));
  for (const t of seen.tokens.filter(Boolean)) assert.ok(!stored.includes(t), 'a token is in web storage or a cookie');
  assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
  assert.equal(await page.evaluate(() => document.cookie), '');
}

async function interviewerSubmitsScorecard(browser) {
  const {context, page, seen} = await session(browser);
  await signIn(page, SEED.people.ada);
  await page.getByRole('heading', {name: 'My rounds'}).waitFor();
  await page.locator(`a[href="#/round/${SEED.round_id}"]`).waitFor();
  await shot(page, 'interviewer-rounds');
  await page.locator(`a[href="#/round/${SEED.round_id}"]`).click();
  const criteria = page.locator('fieldset.criterion');
  await criteria.first().waitFor();
  const n = await criteria.count();
  assert.ok(n >= 5, `the rubric shows its criteria (${n})`);
  assert.equal(await criteria.first().locator('.anchor').count(), 4, 'four anchors beside the rating buttons');
  assert.ok(await page.getByText('Why it matters:').count() > 0, 'red flags say why they matter');

  // Submitting an empty scorecard lists every missing piece inline.
  await page.getByRole('button', {name: 'Submit scorecard'}).click();
  const summary = page.locator('.error-summary');
  await summary.locator('li').first().waitFor();
  const missing = await summary.locator('li').count();
  assert.ok(missing >= n, `every missing piece is listed (${missing})`);
  assert.ok(await page.locator('fieldset.criterion.invalid').count() >= 1, 'the criteria are marked');
  await shot(page, 'interviewer-scorecard-missing');

  // Rate with the keyboard-usable radios, write evidence; the draft autosaves.
  for (let i = 0; i < n; i++) {
    const c = criteria.nth(i);
    if (i === n - 1) {   // by keyboard: focus "3 yes", the right arrow moves to "4 strong yes"
      await c.locator('input[type="radio"]').nth(2).focus();
      await page.keyboard.press('Space');
      await page.keyboard.press('ArrowRight');
      assert.ok(await c.locator('input[type="radio"]').nth(3).isChecked(), 'the arrow keys choose a rating');
    } else await c.locator('.anchor').nth(3).click();
    await c.locator('textarea').fill(`Ada saw a strong answer, criterion ${i + 1}`);
    if (i === 0) await readmeShot(page, c, 'readme-scorecard');   // docs/console-scorecard.png
  }
  await page.getByLabel('Strong yes', {exact: true}).check();
  await page.getByLabel('Summary').fill('Clear structure, good trade-offs, calm under follow-ups.');
  await page.getByRole('status').filter({hasText: 'Draft saved'}).waitFor();
  await page.getByRole('button', {name: 'Submit scorecard'}).click();
  await page.getByText(/^Submitted /).waitFor();
  assert.ok(await page.getByRole('button', {name: 'Submit scorecard'}).isDisabled(), 'a submitted scorecard is locked');
  // Now that Ada has submitted, the API shows Grace's scorecard.
  await page.locator('.colleagues').getByText('Grace Interviewer').waitFor();
  await shot(page, 'interviewer-scorecard-submitted');
  await page.setViewportSize({width: 390, height: 844});
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling at 390 px');
  await shot(page, 'interviewer-scorecard-390');
  await assertTokensInMemoryOnly(page, seen);
  assert.deepEqual(seen.refusals, []);
  await context.close();
}

async function recruiterSchedulesAndSeesConflict(browser) {
  const {context, page, seen} = await session(browser);
  await signIn(page, SEED.people.recruiter);
  await page.getByRole('heading', {name: 'Loops'}).waitFor();
  await page.getByLabel('Candidate or position contains').fill('kim');
  await page.locator('.rows .row').filter({hasText: 'Kim Busy'}).waitFor();
  assert.equal(await page.locator('.rows .row').filter({hasText: 'Sam Example'}).count(), 0, 'the filter hides other loops');
  await shot(page, 'recruiter-loops');
  await page.getByRole('link', {name: 'Candidates'}).click();
  await page.getByLabel('Search by name or email prefix').fill('sam');
  await page.locator('.rows .row').filter({hasText: 'Sam Example'}).waitFor();
  await shot(page, 'recruiter-candidates');

  await page.getByRole('link', {name: 'Loops'}).click();
  await page.getByRole('link', {name: 'New loop from a template'}).click();
  await page.getByRole('heading', {name: 'New loop'}).waitFor();
  await page.getByLabel('Candidate', {exact: true}).selectOption({label: 'Kim Busy'});
  await page.getByLabel('Position').fill('Platform engineer');
  await page.getByLabel('Template').selectOption('backend_engineer');
  // The hiring manager is picked by name from the directory (/v1/people).
  await page.getByLabel('Find by name').fill('MORG');
  await page.getByLabel('Hiring manager').selectOption({label: 'Morgan Manager'});
  await shot(page, 'recruiter-new-loop');
  await page.getByRole('button', {name: 'Create loop'}).click();
  await page.getByRole('heading', {name: 'Kim Busy: Platform engineer'}).waitFor();
  const first = page.locator('li.round').first();
  await first.getByText('unscheduled').waitFor();

  // Ada is already booked at that hour: the 409 names the conflicting round.
  const busy = SEED.busy_starts_at.slice(0, 16);
  await first.getByLabel('Starts').fill(busy);
  // The directory offers every interviewer, booked before or not; the
  // search narrows it by a part of the name.
  await first.getByLabel('Interviewer').locator('option', {hasText: 'Grace Interviewer'}).waitFor({state: 'attached'});
  await first.getByLabel('Find by name').fill('ada');
  await first.getByLabel('Interviewer').locator('option', {hasText: 'Grace Interviewer'}).waitFor({state: 'detached'});
  await first.getByLabel('Interviewer').selectOption({label: 'Ada Interviewer'});
  await first.getByRole('button', {name: 'Schedule'}).click();
  const conflict = first.locator('.conflict');
  await conflict.waitFor();
  assert.match(await conflict.innerText(), /Double-booked/);
  assert.match(await conflict.innerText(), /Conflicting round: system design round/);
  await shot(page, 'recruiter-conflict');

  // Two hours later she is free.
  const later = new Date(Date.parse(SEED.busy_starts_at) + 2 * 3600e3).toISOString().slice(0, 16);
  await first.getByLabel('Starts').fill(later);
  await first.getByRole('button', {name: 'Schedule'}).click();
  await page.locator('li.round').first().getByText('Ada Interviewer (lead)').waitFor();
  await shot(page, 'recruiter-scheduled');
  await page.getByRole('link', {name: 'Overdue scorecards'}).click();
  await page.getByRole('heading', {name: 'Overdue scorecards'}).waitFor();
  const late = page.locator('tbody tr', {hasText: 'Grace Interviewer'});
  await late.waitFor();
  assert.match(await late.innerText(), /behavioral\s+.*missing\s+4[78]\.\d/s);
  await shot(page, 'recruiter-overdue');
  await assertTokensInMemoryOnly(page, seen);
  assert.deepEqual(seen.refusals, []);
  await context.close();
}

async function managerDecidesWithOverride(browser) {
  const {context, page, seen} = await session(browser);
  await signIn(page, SEED.people.hm);
  await page.getByRole('heading', {name: 'Loops to decide'}).waitFor();
  await page.locator(`a[href="#/packet/${SEED.loop_id}"]`).click();
  await page.getByRole('heading', {name: 'Packet recommends: needs debrief'}).waitFor();
  const chart = page.locator('svg.chart').first();
  assert.ok(await chart.locator('circle.raw').count() >= 5, 'a raw mean per criterion');
  assert.ok(await chart.locator('circle.calibrated').count() >= 5, 'a calibrated mean per criterion');
  assert.equal(await page.locator('svg.chart').count(), 2, 'the ratings and the leniency pictures');
  await page.locator('.reasons').getByText('recommendations_split').waitFor();
  assert.match(await page.locator('section', {hasText: 'Disagreements'}).innerText(), /from 2 to 4/);
  await shot(page, 'manager-packet');
  await readmeShot(page, page.locator('.verdict'), 'readme-packet');   // docs/console-packet.png

  await page.getByLabel('hire', {exact: true}).check();
  await page.getByLabel('Rationale').fill('Strong design round; the no was about pacing.');
  const justification = page.getByLabel('Override justification');
  await justification.waitFor();
  await page.getByRole('button', {name: 'Record decision'}).click();
  await page.locator('.decision .problem').getByText('override_justification').waitFor();
  await justification.fill('The debrief settled the split: the no was about pacing, not design.');
  await page.getByRole('button', {name: 'Record decision'}).click();
  await page.getByRole('heading', {name: 'Decided: hire'}).waitFor();
  await page.getByText('Override:').waitFor();
  await shot(page, 'manager-decided');
  await page.setViewportSize({width: 390, height: 844});
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling at 390 px');
  await shot(page, 'manager-packet-390');
  await page.getByRole('button', {name: 'Sign out'}).click();
  await page.getByRole('button', {name: 'Sign in'}).waitFor();
  const after = await fetch(BASE + '/v1/me', {headers: {Authorization: 'Bearer ' + seen.access}});
  assert.equal(after.status, 401, 'signing out revoked the access token');
  await assertTokensInMemoryOnly(page, seen);
  assert.deepEqual(seen.refusals, []);
  await context.close();
}

// The access token lives 900 s; the console refreshes it a minute before
// and sends the new one from then on. The page's clock is Playwright's.
async function tokenIsRefreshedBeforeExpiry(browser) {
  const {context, page} = await session(browser);
  await page.clock.install();
  await signIn(page, SEED.people.ada);
  await page.getByRole('heading', {name: 'My rounds'}).waitFor();
  const refreshed = page.waitForResponse((r) => r.url() === BASE + '/oauth/token' &&
    /grant_type=refresh_token/.test(r.request().postData() || ''));
  await page.clock.fastForward('14:05');
  const r = await refreshed;
  assert.equal(r.status(), 200);
  const fresh = (await r.json()).access_token;
  const call = page.waitForRequest((q) => q.url().includes('/scorecard'));
  await page.locator(`a[href="#/round/${SEED.round_id}"]`).click();
  assert.equal((await call).headers().authorization, 'Bearer ' + fresh);
  await page.locator('fieldset.criterion').first().waitFor();
  await context.close();
}

// Opened under another origin (localhost for 127.0.0.1), Sign in first
// moves to the issuer's /app/, the only place the code can come back to.
async function signInMovesToTheIssuersOrigin(browser) {
  const {context, page} = await session(browser);
  await page.goto(BASE.replace('127.0.0.1', 'localhost') + '/app/');
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.waitForURL(BASE + '/app/');
  await signIn(page, SEED.people.grace);
  await page.getByRole('heading', {name: 'My rounds'}).waitFor();
  await context.close();
}

// A code this page did not ask for (a login CSRF, an old link) is never
// exchanged: the state does not match.
async function aCodeWithAnotherStateIsRefused(browser) {
  const {context, page, seen} = await session(browser);
  const exchanges = [];
  page.on('request', (q) => { if (q.url() === BASE + '/oauth/token') exchanges.push(q); });
  await page.goto(BASE + '/app/?code=planted&state=not-ours');
  await page.getByRole('alert').getByText('state mismatch').waitFor();
  await page.getByRole('button', {name: 'Sign in'}).waitFor();
  assert.equal(exchanges.length, 0, 'the planted code was not exchanged');
  assert.equal(new URL(page.url()).search, '', 'the planted code left the address bar');
  assert.deepEqual(seen.refusals, []);
  await context.close();
}

// An email that another org's admin added to their org too: the console
// without a link picks no org (the page asks for the org's link); the org
// link signs in to that org and stays in the address bar for the next time.
async function theOrgLinkSignsInWhereTheEmailIsAmbiguous(browser) {
  const {context, page, seen} = await session(browser);
  const lin = SEED.people.lin;
  await page.goto(BASE + '/app/');
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.waitForURL(/\/oauth\/authorize\?/);
  assert.equal(new URL(page.url()).searchParams.get('org'), null);
  await page.locator('input[name="email"]').fill(lin.email);
  await page.locator('input[name="password"]').fill(lin.password);
  await page.locator('form button[type="submit"]').click();
  await page.getByRole('alert').getByText("Use your organisation's sign-in link").waitFor();

  const link = BASE + '/app/?org=' + SEED.org_id;
  await page.goto(link);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.waitForURL(/\/oauth\/authorize\?/);
  assert.equal(new URL(page.url()).searchParams.get('org'), SEED.org_id);
  await page.locator('input[name="email"]').fill(lin.email);
  await page.locator('input[name="password"]').fill(lin.password);
  await page.locator('form button[type="submit"]').click();
  await page.getByRole('button', {name: 'Sign out'}).waitFor();
  assert.equal(page.url(), link, 'the code left the address bar, the org link stayed');
  await assertTokensInMemoryOnly(page, seen);
  await page.getByRole('button', {name: 'Sign out'}).click();
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.waitForURL(/\/oauth\/authorize\?/);
  assert.equal(new URL(page.url()).searchParams.get('org'), SEED.org_id, 'signing in again keeps the org');
  assert.deepEqual(seen.refusals, []);
  await context.close();
}

const SCENARIOS = [interviewerSubmitsScorecard,
  recruiterSchedulesAndSeesConflict, managerDecidesWithOverride, tokenIsRefreshedBeforeExpiry,
  signInMovesToTheIssuersOrigin, aCodeWithAnotherStateIsRefused,
  theOrgLinkSignsInWhereTheEmailIsAmbiguous];

const browser = await chromium.launch({executablePath: '/usr/bin/chromium',
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : []});
let failed = 0;
for (const scenario of SCENARIOS) {
  const t0 = Date.now();
  try {
    await scenario(browser);
    console.log(`ok   ${scenario.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed++;
    if (current) await shot(current, `FAILED-${scenario.name}`).catch(() => null);
    console.log(`FAIL ${scenario.name}: ${e.stack}`);
  }
}
await browser.close();
process.exit(failed ? 1 : 0);
