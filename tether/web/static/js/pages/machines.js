// Machines: every instance the user may see, its agent's state, and whether (and why not) the user can connect.
//
// Prerequisites are checked the way the cloud console does, before anyone clicks: the session-manager switch
// (DescribeUserBusinessBehavior), the agents' state (DescribeCloudAssistantStatus) and the user's permission to
// start a session on each instance (SimulatePrincipalPolicy on ecs:StartTerminalSession, evaluated, not tried).

import { h, clear, spinner, empty, ago } from "../dom.js";
import * as api from "../api.js";
import { toast } from "../toast.js";
import { recordConnectIntent } from "../intent.js";

export const title = "Machines";

const PAGE_SIZE = 100;
const MAX_PAGES = 20; // at most 2000 machines in one list: bounded memory and time
const REFRESH_MS = 15000;
const CONNECT = "ecs:StartTerminalSession";

async function allInstances() {
  const out = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const doc = await api.call("DescribeInstances", { PageNumber: page, PageSize: PAGE_SIZE });
    out.push(...(doc.Instances || []));
    if (out.length >= (doc.TotalCount ?? 0) || (doc.Instances || []).length < PAGE_SIZE) break;
  }
  return out;
}

function chunks(list, size) {
  const out = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

async function agentStatus(ids) {
  const status = new Map();
  for (const batch of chunks(ids, 100)) {
    const doc = await api.call("DescribeCloudAssistantStatus", { InstanceId: batch });
    for (const item of doc.InstanceCloudAssistantStatusSet?.InstanceCloudAssistantStatus || []) {
      status.set(item.InstanceId, item);
    }
  }
  return status;
}

async function connectDecisions(arns) {
  const decisions = new Map();
  for (const batch of chunks(arns, 100)) {
    const doc = await api.call("SimulatePrincipalPolicy", { ActionNames: [CONNECT], ResourceArns: batch });
    for (const result of doc.EvaluationResults || []) {
      if (result.ActionName === CONNECT) decisions.set(result.ResourceArn, result.Decision);
    }
  }
  return decisions;
}

/** Settle a promise into {value} or {error} so one failed check does not hide the others. */
const settle = (promise) => promise.then((value) => ({ value }), (error) => ({ error }));

async function load(who) {
  const [instances, behavior] = await Promise.all([
    settle(allInstances()),
    settle(api.call("DescribeUserBusinessBehavior", { StatusKey: "sessionManagerEnable" })),
  ]);
  if (instances.error) return { error: instances.error };
  const list = instances.value;
  const ids = list.map((i) => i.InstanceId);
  const prefix = who.InstanceArnPrefix || "";
  const [status, decisions] = await Promise.all([
    ids.length ? settle(agentStatus(ids)) : { value: new Map() },
    ids.length && prefix ? settle(connectDecisions(ids.map((id) => prefix + id))) : { value: new Map() },
  ]);
  return { list, behavior, status, decisions, prefix };
}

const arn = (instance) => (api.me().InstanceArnPrefix || "") + instance.InstanceId;

function tagsOf(instance) {
  return (instance.Tags?.Tag || []).map((t) => ({ key: t.TagKey, value: t.TagValue ?? "" }));
}

/** Why Connect is not possible for this instance (null when it is), and whether it is a permission problem. */
function blocker(instance, data) {
  const arn = data.prefix + instance.InstanceId;
  const decision = data.decisions.value?.get(arn);
  if (decision === "explicitDeny") {
    return { denied: true, text: `A policy denies ${CONNECT} on this machine.`, detail: arn };
  }
  if (decision === "implicitDeny") {
    return { denied: true, text: `Missing permission ${CONNECT} on this machine.`, detail: `${CONNECT} on ${arn}` };
  }
  if (data.behavior.value?.StatusValue === "disabled") {
    return { text: "Session management is turned off for this account." };
  }
  const agent = data.status.value?.get(instance.InstanceId);
  const online = agent ? agent.CloudAssistantStatus === "true" : instance.Status === "Online";
  if (!online) return { text: `Agent offline since ${ago(agent?.LastHeartbeatTime ?? instance.LastHeartbeatTime)}.` };
  if (agent && agent.SupportSessionManager === false) {
    return { text: "This agent's version does not support sessions." };
  }
  return null;
}

function notices(data) {
  const out = [];
  const problem = (what, error) => h("div.notice.notice-warn", { role: "note" },
    h("div", h("strong", what), api.explain(error)));
  if (data.behavior.error) out.push(problem("Cannot tell whether session management is on.", data.behavior.error));
  else if (data.behavior.value?.StatusValue === "disabled") {
    out.push(h("div.notice.notice-bad", { role: "note" }, h("div",
      h("strong", "Session management is turned off."),
      api.me().IsAdmin
        ? h("span", "Nobody can open a terminal until it is turned on in ", h("a", { href: "/console/settings", "data-link": "" }, "Settings"), ".")
        : "Nobody can open a terminal until an administrator turns it on.")));
  }
  if (data.status.error) out.push(problem("Agent status is not available; showing the last known state.", data.status.error));
  if (data.decisions.error) {
    out.push(problem("Cannot check your permission to connect; Connect may still be refused.", data.decisions.error));
  }
  return out;
}

export function render(root) {
  const search = h("input.input.search", { id: "machine-search", type: "search", placeholder: "Name, ID, hostname or tag", autocomplete: "off" });
  const statusFilter = h("select.select", { id: "machine-status" },
    h("option", { value: "" }, "All states"), h("option", { value: "Online" }, "Online"), h("option", { value: "Offline" }, "Offline"));
  const count = h("span.muted.small");
  const body = h("div", spinner("Loading machines…"));
  const notes = h("div");
  let data = null;
  let timer = null;
  let alive = true;

  root.append(
    h("div.page-head", h("div", h("h1", "Machines"), h("p", "Open a terminal on any machine whose agent is online.")), count),
    notes,
    h("section.card", { "aria-label": "Machines" },
      h("div.toolbar",
        h("div.field.grow", h("label", { for: "machine-search" }, "Search"), search),
        h("div.field", h("label", { for: "machine-status" }, "Status"), statusFilter)),
      body));

  function matches(instance, query, state) {
    if (state && instance.Status !== state) return false;
    if (!query) return true;
    const hay = [instance.InstanceId, instance.InstanceName, instance.Hostname, instance.OsName,
      ...tagsOf(instance).map((t) => `${t.key}=${t.value}`)].join(" ").toLowerCase();
    return query.toLowerCase().split(/\s+/).every((word) => hay.includes(word));
  }

  // Who a shell runs as and whether it can sudo, as the agent reported it; its notices ("sudo is not installed") too.
  function loginUser(instance) {
    if (!instance.LoginUser) return null;
    const notes = instance.Notices || [];
    return h("div.small.muted", { "data-testid": "login-user", title: notes.join("\n") },
      `${instance.LoginUser} · ${instance.LoginUserSudo ? "sudo" : "no sudo"}${notes.length ? " · " + notes[0] : ""}`);
  }

  function row(instance) {
    const online = instance.Status === "Online";
    const why = blocker(instance, data);
    const url = `/console/terminal?instance=${encodeURIComponent(instance.InstanceId)}`;
    let action;
    if (why?.denied) {
      action = h("span.reason.denied", { "data-testid": "connect-reason", title: why.detail, dataset: { resource: arn(instance) } },
        h("span.pill.pill-bad", "No access"), h("span.reason-text", why.text));
    } else if (why) {
      action = [h("button.btn.btn-sm", { type: "button", disabled: true, title: why.text, "aria-describedby": `why-${instance.InstanceId}` }, "Connect"),
        h("span.reason", { id: `why-${instance.InstanceId}`, "data-testid": "connect-reason" }, why.text)];
    } else {
      // the click records a connect intent, so the new tab starts the session at once (js/intent.js)
      action = h("a.btn.btn-sm.btn-primary", { href: url, target: "_blank", rel: "noopener", "data-testid": "connect",
        "aria-label": `Connect to ${instance.InstanceName || instance.InstanceId}`,
        onclick: () => recordConnectIntent(instance.InstanceId) }, "Connect");
    }
    return h("tr", { dataset: { instance: instance.InstanceId } },
      h("td", h("div.cell-main", instance.InstanceName || instance.Hostname || instance.InstanceId), h("div.cell-sub", instance.InstanceId)),
      h("td", h("div", instance.Hostname || "—"), h("div.small.muted", instance.OsName || instance.OsType || "")),
      h("td", h("div.mono.small", instance.AgentVersion || "—"), loginUser(instance)),
      h("td", h(`span.pill.${online ? "pill-ok" : "pill-bad"}`, { "data-testid": "status" }, online ? "Online" : "Offline"),
        h("div.small.muted", { title: instance.LastHeartbeatTime || "" }, "heartbeat ", ago(instance.LastHeartbeatTime))),
      h("td", h("div.tags", tagsOf(instance).map((t) => h("span.tag", t.value ? `${t.key}=${t.value}` : t.key)))),
      h("td.actions", action));
  }

  function draw() {
    if (!data || data.error) return;
    clear(notes, notices(data));
    const shown = data.list.filter((i) => matches(i, search.value.trim(), statusFilter.value));
    const online = data.list.filter((i) => i.Status === "Online").length;
    count.textContent = `${data.list.length} machine${data.list.length === 1 ? "" : "s"} · ${online} online`;
    if (!data.list.length) {
      clear(body, empty("No machines yet", "Register an agent with an activation code (tether activation create) and it appears here."));
      return;
    }
    if (!shown.length) {
      clear(body, empty("No machine matches", "Change the search or the status filter."));
      return;
    }
    clear(body, h("table.table", { id: "machines" },
      h("thead", h("tr", ["Machine", "Host", "Agent", "Status", "Tags", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", shown.map(row))));
  }

  async function refresh(first) {
    try {
      const next = await load(api.me());
      if (!alive) return;
      if (next.error) {
        if (first || !data) {
          clear(body, empty("You cannot list machines", api.explain(next.error)));
          count.textContent = "";
        } else {
          toast.error(next.error);
        }
        data = null;
      } else {
        data = next;
        draw();
      }
    } catch (error) {
      if (alive) toast.error(error);
    }
    if (alive) timer = setTimeout(() => refresh(false), REFRESH_MS);
  }

  search.addEventListener("input", draw);
  statusFilter.addEventListener("change", draw);
  refresh(true);
  return () => {
    alive = false;
    clearTimeout(timer);
  };
}
