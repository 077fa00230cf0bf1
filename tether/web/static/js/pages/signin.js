// Sign in with a RAM user's console password (or as root with the administrator's ConsolePassword).

import { h } from "../dom.js";
import * as api from "../api.js";

export const title = "Sign in";

export function render(root, { navigate, brand, params }) {
  const user = h("input.input", { id: "signin-user", name: "username", autocomplete: "username", required: true, autofocus: true });
  const password = h("input.input", { id: "signin-password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = h("p.form-error", { id: "signin-error", role: "alert" });
  const submit = h("button.btn.btn-primary", { type: "submit" }, "Sign in");
  let retryTimer = null;

  const form = h("form.card-body", { novalidate: true },
    h("h1", "Sign in to the console"),
    h("div.field", h("label", { for: "signin-user" }, "User name"), user),
    h("div.field", h("label", { for: "signin-password" }, "Password"), password),
    error, submit);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!user.value || !password.value) {
      error.textContent = "Enter your user name and password.";
      (user.value ? password : user).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = "Signing in…";
    error.textContent = "";
    try {
      await api.signIn(user.value.trim(), password.value);
      const next = params.get("next");
      navigate(next && next.startsWith("/console/") && !next.startsWith("/console/signin") ? next : "/console/machines",
        { replace: true });
      return;
    } catch (err) {
      password.value = "";
      password.focus();
      if (err.code === "Throttling.SignIn" && err.retryAfter) {
        let left = err.retryAfter;
        const tick = () => {
          error.textContent = `Too many failed sign-ins. Try again in ${left} s.`;
          if (left-- <= 0) {
            clearInterval(retryTimer);
            error.textContent = "";
            submit.disabled = false;
          }
        };
        tick();
        retryTimer = setInterval(tick, 1000);
        submit.textContent = "Sign in";
        return;
      }
      error.textContent = err.message;
    }
    submit.disabled = false;
    submit.textContent = "Sign in";
  });

  root.append(h("div.signin-wrap",
    h("div.signin", brand(),
      h("div.card", form),
      h("p.hint", "Administrators sign in as ", h("code", "root"), " with the ConsolePassword from ",
        h("code", "admin-credentials.json"), "."))));
  return () => clearInterval(retryTimer);
}
