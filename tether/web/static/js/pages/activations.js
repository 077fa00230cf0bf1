// Activations: create the codes new machines register with, and see the one command that installs the agent.
//
// A code is a secret the server keeps only as a hash, so it is shown once, right after CreateActivation, together
// with the install one-liner (GET /agent/install.json gives its first part: the server's URL and the pin of its
// certificate key; the code is added here and never sent anywhere but to the person creating it).

import { h, clear, spinner, empty, when } from "../dom.js";
import * as api from "../api.js";
import { toast } from "../toast.js";

export const title = "Activations";

const PAGE_SIZE = 50;

/** A word for sh: as is when it is plain, else in single quotes. */
function shellWord(text) {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'"'"'`)}'`;
}

async function installCommand() {
  try {
    const response = await fetch("/agent/install.json", { credentials: "omit", cache: "no-store" });
    if (!response.ok) return null;
    const info = await response.json();
    return typeof info.InstallCommand === "string" ? info.InstallCommand : null;
  } catch {
    return null;
  }
}

function copyable(id, text, label) {
  const copy = h("button.btn.btn-sm", { type: "button", "aria-label": `Copy ${label}` }, "Copy");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      toast.ok(`${label} copied.`);
    } catch {
      toast.error(new Error("The browser did not allow copying; select the text instead."));
    }
  });
  return h("div.inline", { style: "align-items: flex-start" },
    h("pre.mono.small", { id, "data-testid": id, style: "white-space: pre-wrap; word-break: break-all; margin: 0; flex: 1" }, text), copy);
}

function createdCard(created, command) {
  const args = `--id ${shellWord(created.ActivationId)} --code ${shellWord(created.ActivationCode)}`;
  const parts = [
    h("h2", { id: "created-title" }, "Activation created"),
    h("div.notice.notice-warn", { role: "note" }, h("div", h("strong", "The code is shown only now."),
      "Copy the command (or the code) before leaving this page; the server keeps only a hash of it.")),
    h("div.field", h("span.label", "Activation ID"), h("div.mono", { "data-testid": "activation-id" }, created.ActivationId)),
    h("div.field", h("span.label", "Activation code"), h("div.mono", { "data-testid": "activation-code" }, created.ActivationCode)),
  ];
  if (command) {
    parts.push(h("div.field", h("span.label", "Install, register and start the agent (run on the new machine, as root)"),
      copyable("install-command", `${command} ${args}`, "Install command")));
  }
  parts.push(h("p.muted.small", "With tether already installed there: ",
    h("code", `TETHER_ACTIVATION_CODE=${shellWord(created.ActivationCode)} tether agent register --server ${location.origin} --ca-cert ca.pem --activation-id ${created.ActivationId}`)));
  return h("section.card", { "aria-labelledby": "created-title", id: "activation-created" },
    h("div.card-body", { style: "display: grid; gap: var(--space-3)" }, parts));
}

function createForm(onCreated) {
  const field = (key, label, attrs = {}) => {
    const input = h("input.input", { id: `activation-${key}`, name: key, autocomplete: "off", ...attrs });
    return { key, input, el: h("div.field", h("label", { for: input.id }, label), input) };
  };
  const fields = [
    field("Description", "Description"),
    field("InstanceName", "Name for the machines"),
    field("InstanceCount", "Machines that may register", { type: "number", min: 1, max: 1000, placeholder: "10" }),
    field("TimeToLiveInHours", "Hours valid", { type: "number", min: 1, placeholder: "4" }),
  ];
  const submit = h("button.btn.btn-primary", { type: "submit" }, "Create activation");
  const form = h("form.card-body", { "aria-labelledby": "create-title", id: "activation-form" },
    h("h2", { id: "create-title" }, "New activation"),
    h("div.form-grid", fields.map((f) => f.el)),
    h("div.form-actions", submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {};
    for (const { key, input } of fields) {
      const value = input.value.trim();
      if (!value) continue;
      body[key] = input.type === "number" ? Number(value) : value;
    }
    submit.disabled = true;
    try {
      const [created, command] = await Promise.all([api.call("CreateActivation", body), installCommand()]);
      onCreated(created, command);
    } catch (error) {
      toast.error(error);
    } finally {
      submit.disabled = false;
    }
  });
  return h("section.card", form);
}

export function render(root) {
  const result = h("div");
  const list = h("section.card", spinner("Loading activations…"));
  let alive = true;

  async function refresh() {
    try {
      const reply = await api.call("DescribeActivations", { PageSize: PAGE_SIZE });
      if (!alive) return;
      const items = reply.Activations || [];
      if (!items.length) {
        clear(list, empty("No activations", "Create one above, then run its command on the machine to register."));
        return;
      }
      const row = (a) => {
        const remove = h("button.btn.btn-sm", { type: "button", "aria-label": `Delete ${a.ActivationId}` }, "Delete");
        remove.addEventListener("click", async () => {
          remove.disabled = true;
          try {
            await api.call("DeleteActivation", { ActivationId: a.ActivationId });
            toast.ok(`Deleted ${a.ActivationId}; machines it registered stay registered.`);
            refresh();
          } catch (error) {
            remove.disabled = false;
            toast.error(error);
          }
        });
        return h("tr", { dataset: { activation: a.ActivationId } },
          h("td", h("div.cell-main.mono", a.ActivationId), h("div.cell-sub", a.Description || "")),
          h("td", a.InstanceName || "—"),
          h("td", `${a.RegisteredCount ?? 0}/${a.InstanceCount ?? "?"}`),
          h("td", { title: a.ExpiredTime || "" }, a.ExpiredTime ? when(a.ExpiredTime) : "—"),
          h("td", a.Disabled ? h("span.pill.pill-bad", "Disabled") : h("span.pill.pill-ok", "Active")),
          h("td.actions", remove));
      };
      const more = (reply.TotalCount ?? items.length) > items.length
        ? h("p.muted.small", { style: "padding: 0 var(--space-4)" }, `Showing ${items.length} of ${reply.TotalCount}; tether activation list shows all.`) : null;
      clear(list, h("table.table", { id: "activations" },
        h("thead", h("tr", ["Activation", "Machine name", "Registered", "Expires", "State", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", items.map(row))), more);
    } catch (error) {
      if (alive) clear(list, empty("You cannot list activations", api.explain(error)));
    }
  }

  root.append(
    h("div.page-head", h("div", h("h1", "Activations"),
      h("p", "Codes with which new machines register their agent. Each code is shown once, when it is created."))),
    h("div", { style: "display: grid; gap: var(--space-5)" },
      createForm((created, command) => {
        clear(result, createdCard(created, command));
        refresh();
      }),
      result,
      list));
  refresh();
  return () => {
    alive = false;
  };
}
