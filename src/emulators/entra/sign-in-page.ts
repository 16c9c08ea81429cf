// The sandbox's sign-in page: one form per sandbox user, each posting the original
// authorize parameters back as hidden inputs plus `login=<UPN>`. There are no passwords;
// the page exists so that a browser (or a test driving it with fetch) walks the same
// redirect-based authorization-code flow as against Entra.
//
// Contract (tests and tools rely on it):
//   <form method="post" action="/{tenant}/oauth2/v2.0/authorize" data-upn="{UPN}">
//     <input type="hidden" name="{param}" value="{value}"> … for each authorize parameter
//     <input type="hidden" name="login" value="{UPN}">
//     <button type="submit">…</button>                       (MFA as the user's default)
//     <button type="submit" name="mfa" value="0|1">…</button> (the other choice)
//   </form>

import { escapeHtml } from './http-kit.js';

export interface SignInUser {
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly mfa: boolean;
}

export interface SignInPageInput {
  readonly action: string;
  readonly params: ReadonlyMap<string, string>;
  readonly users: readonly SignInUser[];
  readonly loginHint: string | undefined;
  readonly clientName: string;
  readonly notice?: string;
}

const style = `body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#16191f}
h1{font-size:1.4rem}ul{list-style:none;padding:0}li{border:1px solid #d5dbdb;border-radius:8px;margin:.6rem 0;padding:.8rem}
button{font:inherit;padding:.35rem .8rem;margin-right:.5rem;cursor:pointer}.hint{border-color:#0972d3}
.notice{background:#fff7e6;border:1px solid #f89256;padding:.6rem;border-radius:6px}.dim{color:#5f6b7a;font-size:.9rem}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${style}</style></head>
<body>${body}</body></html>`;
}

export function signInPage(input: SignInPageInput): string {
  const hidden = [...input.params]
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
    )
    .join('');
  const hint = input.loginHint?.toLowerCase();
  const users = [...input.users].sort((a, b) => {
    const ah = a.userPrincipalName.toLowerCase() === hint ? 0 : 1;
    const bh = b.userPrincipalName.toLowerCase() === hint ? 0 : 1;
    return ah - bh || a.userPrincipalName.localeCompare(b.userPrincipalName);
  });
  const items = users
    .map((user) => {
      const upn = escapeHtml(user.userPrincipalName);
      const other = user.mfa
        ? '<button type="submit" name="mfa" value="0">sign in without MFA</button>'
        : '<button type="submit" name="mfa" value="1">sign in with MFA</button>';
      const cls = user.userPrincipalName.toLowerCase() === hint ? ' class="hint"' : '';
      return `<li${cls}><form method="post" action="${escapeHtml(input.action)}" data-upn="${upn}">${hidden}<input type="hidden" name="login" value="${upn}"><strong>${escapeHtml(user.displayName)}</strong> <span class="dim">${upn}${user.mfa ? ' · MFA' : ''}</span><br><button type="submit">Sign in</button>${other}</form></li>`;
    })
    .join('\n');
  const notice =
    input.notice === undefined ? '' : `<p class="notice">${escapeHtml(input.notice)}</p>`;
  return page(
    'Sign in · Entra emulator',
    `<h1>Sign in to ${escapeHtml(input.clientName)}</h1>
<p class="dim">Entra emulator (sandbox): pick a user; there are no passwords. Never use it for real access.</p>${notice}
${users.length === 0 ? '<p>No sandbox users are seeded; seed some with POST /_emulator/seed.</p>' : `<ul>\n${items}\n</ul>`}`,
  );
}

export function errorPage(code: number, message: string): string {
  return page(
    'Sign-in error · Entra emulator',
    `<h1>Sorry, but we're having trouble signing you in.</h1><p id="error" data-aadsts="${code}">AADSTS${code}: ${escapeHtml(message)}</p>`,
  );
}

export function signedOutPage(): string {
  return page(
    'Signed out · Entra emulator',
    "<h1>You signed out of your account</h1><p>It's a good idea to close all browser windows.</p>",
  );
}
