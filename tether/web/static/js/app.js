// The console's entry point: find out who is signed in, then route /console/{page} to a page module.
// Pages are plain functions `render(root, ctx)` that may return a cleanup function; links marked `data-link`
// navigate without reloading, everything else is an ordinary link.

import { h, clear } from "./dom.js";
import * as api from "./api.js";
import { toast } from "./toast.js";

const PAGES = {
  "": () => import("./pages/machines.js"),
  machines: () => import("./pages/machines.js"),
  signin: () => import("./pages/signin.js"),
  terminal: () => import("./pages/terminal.js"),
  sessions: () => import("./pages/sessions.js"),
  settings: () => import("./pages/settings.js"),
  activations: () => import("./pages/activations.js"),
};

const root = document.getElementById("app");
let cleanup = null;

function pageName() {
  const rest = location.pathname.replace(/^\/console\/?/, "").replace(/\/+$/, "");
  return rest.split("/")[0];
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  route();
}

function brand() {
  return h("a.brand", { href: "/console/", "data-link": "" },
    h("img.brand-mark", { src: "/console/static/favicon.svg", alt: "" }), "tether");
}

function chrome(name) {
  const who = api.me();
  const link = (href, label, page) => h("a", { href, "data-link": "", "aria-current": page === name ? "page" : null }, label);
  const signOut = async () => {
    try {
      await api.signOut();
    } catch (error) {
      toast.error(error);
    }
    navigate("/console/signin", { replace: true });
  };
  const main = h("main.page", { id: "main" });
  const bar = h("header.topbar",
    brand(),
    h("nav.nav", { "aria-label": "Console" },
      link("/console/machines", "Machines", name === "" ? "machines" : name === "machines" ? "machines" : null),
      link("/console/sessions", "Sessions", name === "sessions" ? "sessions" : null),
      link("/console/activations", "Activations", name === "activations" ? "activations" : null),
      who.IsAdmin ? link("/console/settings", "Settings", name === "settings" ? "settings" : null) : null),
    h("div.who",
      h("span", { title: who.Arn }, who.UserName),
      who.IsAdmin ? h("span.badge", "administrator") : null,
      h("button.btn.btn-sm.btn-ghost", { type: "button", onclick: signOut, "data-testid": "signout" }, "Sign out")));
  clear(root, bar, main);
  return main;
}

async function route() {
  if (cleanup) {
    try {
      cleanup();
    } catch {
      /* a page's cleanup must not block navigation */
    }
    cleanup = null;
  }
  let name = pageName();
  if (!(name in PAGES)) name = "";
  let who = api.me();
  if (!who) {
    try {
      who = await api.whoami();
    } catch (error) {
      clear(root, h("div.boot", "The console cannot reach the server: ", error.message));
      return;
    }
  }
  if (!who && name !== "signin") {
    const next = location.pathname + location.search;
    history.replaceState(null, "", `/console/signin?next=${encodeURIComponent(next)}`);
    name = "signin";
  } else if (who && name === "signin") {
    history.replaceState(null, "", "/console/machines");
    name = "machines";
  }
  if (name === "settings" && !who.IsAdmin) {
    history.replaceState(null, "", "/console/machines");
    name = "machines";
  }
  document.body.classList.toggle("terminal-mode", name === "terminal");
  const module = await PAGES[name]();
  const full = name === "signin" || name === "terminal";
  const target = full ? clear(root) : chrome(name);
  document.title = `${module.title || "Console"} · tether`;
  cleanup = (await module.render(target, { navigate, brand, params: new URLSearchParams(location.search) })) || null;
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-link]");
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  navigate(link.getAttribute("href"));
});
window.addEventListener("popstate", route);
api.setSignedOutHandler(() => {
  toast.info("Your console session ended; sign in again.");
  navigate(`/console/signin?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
});
route();
