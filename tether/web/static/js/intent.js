// Connect intents: what lets the terminal page start a session without a second click, and only when a page of
// this console asked for it.
//
// A terminal URL (/console/terminal?instance=...) can be opened by anyone: a link or a script on a foreign site
// navigates the signed-in user's browser there, and a page that started a session on load would then start one
// for that user (the page's own StartTerminalSession POST is same-origin and carries the CSRF token, so the
// server cannot tell). So the page starts a session on load only if it finds a fresh intent that a same-origin
// page wrote just before: the Connect button of the Machines page, or "New session" on the terminal page itself.
// A foreign page cannot write this origin's localStorage. Anything else gets a Connect button: starting then needs
// the user's click on this origin.

const KEY = "tether.connect-intent";
const FRESH_MS = 30000; // an intent is used within seconds (the new tab loads); an old one is ignored

/** Record that the user, on a page of this console, asked to connect to `instanceId` (as `username`). */
export function recordConnectIntent(instanceId, username) {
  try {
    localStorage.setItem(KEY, JSON.stringify({ instance: instanceId, user: username || null, at: Date.now() }));
  } catch {
    /* storage disabled: the terminal page shows its Connect button instead */
  }
}

/** Whether a fresh intent for exactly this instance and user exists; it is consumed either way (used once). */
export function takeConnectIntent(instanceId, username) {
  let intent = null;
  try {
    const raw = localStorage.getItem(KEY);
    localStorage.removeItem(KEY);
    intent = raw ? JSON.parse(raw) : null;
  } catch {
    return false;
  }
  if (!intent || typeof intent !== "object" || typeof intent.at !== "number") return false;
  const age = Date.now() - intent.at;
  return intent.instance === instanceId && (intent.user || null) === (username || null) && age >= 0 && age < FRESH_MS;
}
