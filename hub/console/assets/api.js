// The console's only way to the hub: same-origin fetch with the session cookie, the session's CSRF
// token on every state change, and the hub's errors ({"error":{"code","message"}}) as ApiError.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  // "403 over_approval_limit: discrepancy 7 is worth …", as the pages show a refusal.
  describe() {
    return `${this.status} ${this.code}: ${this.message}`;
  }
}

let csrfToken = '';

// Set once the session is known (GET /api/v1/session's csrf_token).
export function useCsrfToken(token) {
  csrfToken = token;
}

// Where the browser goes when the session is missing or expired.
export function toLogin() {
  window.location.assign('/login');
}

// Calls the API. `query` members that are '', null or undefined are left out. Resolves to the
// parsed JSON (null for 204); rejects with ApiError for an error answer or a network failure. A 401
// (no session, expired, token revoked) sends the browser to the login page.
export async function api(path, {method = 'GET', query = {}, body} = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query)) {
    if (value !== '' && value !== null && value !== undefined) url.searchParams.set(name, value);
  }
  const headers = {Accept: 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(url, {method, headers, credentials: 'same-origin',
                                 body: body === undefined ? undefined : JSON.stringify(body)});
  } catch (error) {
    throw new ApiError(0, 'network', `the hub cannot be reached (${error.message})`);
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (response.ok && data !== null) return data;
  if (response.status === 401 && path !== '/api/v1/session') toLogin();
  const error = data?.error;
  throw new ApiError(response.status, error?.code ?? `http_${response.status}`,
                     error?.message ?? `${method} ${url.pathname} answered ${response.status} ${response.statusText}`);
}
