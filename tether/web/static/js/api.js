// The console's HTTP client: cookie session + CSRF token, and API calls through the server's console proxy.
//
// The session cookie is HttpOnly, so the page never sees it; state-changing requests carry the CSRF token that
// signin/whoami returned, in the X-CSRF-Token header (the server refuses them without it).

export class ApiError extends Error {
  constructor(code, message, status, requestId) {
    super(message || code);
    this.code = code;
    this.status = status;
    this.requestId = requestId;
  }
}

const state = { me: null, csrf: null };
let onSignedOut = () => {};

export function me() {
  return state.me;
}

export function setSignedOutHandler(handler) {
  onSignedOut = handler;
}

async function errorFrom(response) {
  let doc = null;
  try {
    doc = await response.json();
  } catch {
    /* not JSON: a proxy's error page */
  }
  const code = doc?.Code || `HTTP${response.status}`;
  const message = doc?.Message || `The server answered ${response.status} ${response.statusText}.`;
  const error = new ApiError(code, message, response.status, doc?.RequestId);
  if (response.headers.get("Retry-After")) error.retryAfter = Number(response.headers.get("Retry-After"));
  return error;
}

function remember(doc) {
  state.me = doc;
  state.csrf = doc?.CsrfToken ?? null;
  return doc;
}

/** Who is signed in (the whoami document), or null when nobody is. */
export async function whoami() {
  const response = await fetch("/console/v1/whoami", { credentials: "same-origin", cache: "no-store" });
  if (response.status === 401) return remember(null);
  if (!response.ok) throw await errorFrom(response);
  return remember(await response.json());
}

export async function signIn(userName, password) {
  const response = await fetch("/console/v1/signin", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ UserName: userName, Password: password }),
  });
  if (!response.ok) throw await errorFrom(response);
  remember(await response.json());
  // whoami adds AccountId and InstanceArnPrefix, which the machines page needs.
  return whoami();
}

export async function signOut() {
  const response = await fetch("/console/v1/signout", {
    method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": state.csrf ?? "" },
  });
  remember(null);
  if (!response.ok && response.status !== 401) throw await errorFrom(response);
}

async function post(action, body, accept) {
  const response = await fetch(`/console/v1/api/${encodeURIComponent(action)}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": state.csrf ?? "", Accept: accept },
    body: JSON.stringify(body ?? {}),
  });
  if (!response.ok) {
    const error = await errorFrom(response);
    if (error.code === "Console.SignedOut") {
      remember(null);
      onSignedOut();
    }
    throw error;
  }
  return response;
}

/** Call an API action as the signed-in user; resolves to the response document, throws ApiError. */
export async function call(action, body = {}) {
  const response = await post(action, body, "application/json");
  return response.json();
}

/** GetSessionRecording: the asciicast file as text. */
export async function recording(sessionId) {
  const response = await post("GetSessionRecording", { SessionId: sessionId }, "application/x-asciicast");
  return response.text();
}

/** "You lack <action> on <resource>" for a Forbidden.RAM error, else the server's message. */
export function explain(error) {
  if (!(error instanceof ApiError)) return String(error?.message || error);
  const match = /do action (\S+) on resource (\S+?)\.?$/.exec(error.message || "");
  if (error.code === "Forbidden.RAM" && match) return `Missing permission ${match[1]} on ${match[2]}.`;
  return error.message;
}
