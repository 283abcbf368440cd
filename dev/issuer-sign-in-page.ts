import { ROLES } from '../shared/auth/roles.js';
import type { AuthorizationRequest, SignInUser } from './issuer-authorization.js';

/**
 * The dev issuer's sign-in page: the demo users by role, one button each. Plain HTML with no
 * script (its CSP allows none): the choice is a form post, answered with a redirect to the client.
 */
export function signInPage(options: { request: AuthorizationRequest; users: readonly SignInUser[]; action: string }): string {
  const { request } = options;
  const hidden = {
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
    scope: request.scopes.join(' '),
    ...(request.state !== undefined ? { state: request.state } : {}),
    ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
  };
  const groups = ROLES.map((role) => {
    const users = options.users.filter((user) => user.role === role);
    if (users.length === 0) return '';
    const buttons = users
      .map(
        (user) =>
          `<button type="submit" name="user" value="${escapeHtml(user.id)}" data-role="${role}">` +
          `<strong>${escapeHtml(user.name)}</strong><small>${escapeHtml(user.jurisdictions.join(', '))}</small></button>`,
      )
      .join('\n      ');
    return `<section>\n    <h2>${role}</h2>\n      ${buttons}\n    </section>`;
  }).join('\n    ');
  return page(
    'Sign in to Caseload (local)',
    `<p>Local development sign-in: pick a demo user. <code>${escapeHtml(request.clientId)}</code> gets a token for
    <code>${escapeHtml(request.scopes.join(' '))}</code> and goes back to <code>${escapeHtml(new URL(request.redirectUri).origin)}</code>.</p>
  <form method="post" action="${escapeHtml(options.action)}">
    ${Object.entries(hidden)
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
      .join('\n    ')}
    ${groups}
  </form>`,
  );
}

/** Shown when the request cannot go back to the client (unknown or untrusted redirect URI). */
export function signInErrorPage(description: string): string {
  return page('Sign-in request refused', `<p role="alert">${escapeHtml(description)}</p>`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
  <style>
    body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 48em; padding: 0 1em; }
    section { margin: 1em 0; }
    h2 { font-size: 1em; text-transform: capitalize; margin: 0.5em 0; }
    button { display: inline-flex; flex-direction: column; align-items: flex-start; margin: 0.25em; padding: 0.5em 0.75em; cursor: pointer; }
    small { color: #555; }
  </style>
</head>
<body>
  <h1>${escapeHtml(title)}</h1>
  ${body}
</body>
</html>
`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]!);
}
