// The console's only way to the control plane: the public REST API, with the token the user logged in with.
// The token lives in sessionStorage: gone when the tab closes, never in a cookie (so no request carries it
// without this code adding it: no CSRF) and never in a URL (so no log, history or Referer holds it).

const KEY = 'lvscp.token';

export const session = {
  get token() { return sessionStorage.getItem(KEY); },
  set(token) { sessionStorage.setItem(KEY, token); },
  clear() { sessionStorage.removeItem(KEY); },
};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem && (problem.detail || problem.title) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || { status, title: `HTTP ${status}` };
  }
}

let unauthorizedHandler = () => {};
export function onUnauthorized(f) { unauthorizedHandler = f; }
/** A 401 anywhere (an expired or revoked token) ends the session: back to the login. */
export function unauthorized(problem) { unauthorizedHandler(problem); }

export async function readProblem(res) {
  try {
    const type = res.headers.get('Content-Type') || '';
    if (type.includes('json')) return await res.json();
  } catch (e) { /* a body that is not a problem document */ }
  return { status: res.status, title: res.statusText || `HTTP ${res.status}` };
}

/**
 * A header value must be ISO-8859-1 for fetch(); a reason is free text, so say so rather than fail obscurely.
 * The contract refuses control characters.
 */
export function checkReason(reason) {
  if (/[^\x09\x20-\x7e\xa0-\xff]/.test(reason)) {
    throw new ApiError(400, { title: 'Reason not sent', detail: 'the reason travels in an HTTP header (Lvscp-Reason): use Latin-1 characters, no line breaks' });
  }
}

export async function api(method, path, { body, reason, ifMatch, dryRun, signal } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  const token = session.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (reason) { checkReason(reason); headers['Lvscp-Reason'] = reason; }
  if (ifMatch) headers['If-Match'] = ifMatch;
  const url = dryRun ? `${path}${path.includes('?') ? '&' : '?'}dryRun=true` : path;
  const res = await fetch(url, {
    method, headers, signal, cache: 'no-store', credentials: 'omit',
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (res.status === 401) {
    const p = await readProblem(res);
    unauthorized(p);
    throw new ApiError(401, p);
  }
  if (!res.ok) throw new ApiError(res.status, await readProblem(res));
  const data = res.status === 204 ? null : await res.json();
  return { data, headers: res.headers, status: res.status };
}

export const get = async (path, opts) => (await api('GET', path, opts)).data;

export function seg(s) { return encodeURIComponent(s); }

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
