// Toasts: short-lived messages in the corner. Errors show the server's Message and its Code, and stay longer.

import { h } from "./dom.js";
import { ApiError, explain } from "./api.js";

const MAX_TOASTS = 4;

function show(kind, text, code, ms) {
  const box = document.getElementById("toasts");
  const close = h("button.btn.btn-sm.btn-ghost", { type: "button", "aria-label": "Dismiss" }, "✕");
  const el = h(`div.toast.toast-${kind}`, h("div", h("span", text), code ? h("span.code", code) : null), close);
  const remove = () => el.remove();
  close.addEventListener("click", remove);
  box.append(el);
  while (box.children.length > MAX_TOASTS) box.firstElementChild.remove();
  setTimeout(remove, ms);
  return el;
}

export const toast = {
  error(error) {
    const code = error instanceof ApiError ? error.code + (error.requestId ? ` · ${error.requestId}` : "") : null;
    return show("error", explain(error), code, 9000);
  },
  ok: (text) => show("ok", text, null, 4000),
  info: (text) => show("info", text, null, 6000),
};
