// Settings (administrators): the session-manager switch, what is recorded, and delivery of recordings to S3.
//
// Each switch saves on its own (ModifyCloudAssistantSettings with just that field) and springs back if the
// server refuses, showing why. Fields this server does not report are not shown, so the page works against
// servers with or without recording delivery.

import { h, clear, spinner, empty } from "../dom.js";
import * as api from "../api.js";
import { toast } from "../toast.js";

export const title = "Settings";

const SM = "SessionManagerConfig";
const DELIVERY = "SessionManagerDeliveryConfig";

const SWITCHES = [
  ["SessionManagerEnabled", "Session management", "Lets people open terminals and port forwards. Off: StartTerminalSession is refused; running sessions continue."],
  ["RecordSessions", "Record sessions", "Keep an asciicast recording of every shell session, for replay and audit."],
  ["RecordingRequired", "Require recording", "End a session rather than let it run unrecorded (for example when the disk is full)."],
  ["RecordInput", "Record keystrokes", "Also record what users type. Passwords typed at prompts end up in recordings."],
];

function toggle(id, checked, label) {
  const input = h("input", { id, type: "checkbox", role: "switch", checked, "aria-label": label });
  return { input, el: h("span.switch", input, h("span", { "aria-hidden": "true" })) };
}

async function modify(body) {
  await api.call("ModifyCloudAssistantSettings", body);
}

function sessionCard(config) {
  const rows = [];
  for (const [key, label, help] of SWITCHES) {
    if (!(key in config)) continue;
    const { input, el } = toggle(`setting-${key}`, Boolean(config[key]), label);
    input.addEventListener("change", async () => {
      input.disabled = true;
      try {
        await modify({ SettingType: SM, [SM]: { [key]: input.checked } });
        toast.ok(`${label}: ${input.checked ? "on" : "off"}.`);
      } catch (error) {
        input.checked = !input.checked;
        toast.error(error);
      } finally {
        input.disabled = false;
      }
    });
    rows.push(h("div.setting", h("div", h("label", { for: input.id }, h("strong", label)), h("p", help)), el));
  }
  if ("MaxRecordingBytes" in config) {
    const mib = h("input.input", { id: "setting-max-recording", type: "number", min: 1, step: 1, value: Math.round(config.MaxRecordingBytes / (1 << 20)), style: "width: 120px" });
    const save = h("button.btn", { type: "button" }, "Save");
    save.addEventListener("click", async () => {
      try {
        await modify({ SettingType: SM, [SM]: { MaxRecordingBytes: Math.round(Number(mib.value) * (1 << 20)) } });
        toast.ok("Recording size limit saved.");
      } catch (error) {
        toast.error(error);
      }
    });
    rows.push(h("div.setting", h("div", h("label", { for: mib.id }, h("strong", "Recording size limit (MiB)")),
      h("p", "A session's recording stops growing at this size.")), h("div.inline", mib, save)));
  }
  return h("section.card", { "aria-labelledby": "sm-title" }, h("div.card-body",
    h("h2", { id: "sm-title" }, "Sessions and recording"), rows));
}

function deliveryCard(config) {
  const text = (key, label, attrs = {}) => {
    const input = h("input.input", { id: `delivery-${key}`, name: key, value: config[key] ?? "", autocomplete: "off", ...attrs });
    return { key, input, el: h("div.field", h("label", { for: input.id }, label), input) };
  };
  const fields = [
    text("Endpoint", "Endpoint", { placeholder: "empty: AWS S3" }),
    text("Bucket", "Bucket"),
    text("Prefix", "Key prefix"),
    text("Region", "Region", { placeholder: "us-east-1" }),
    text("AccessKeyId", "Access key ID", { placeholder: "empty: the server's AWS credentials" }),
    text("SecretAccessKey", "Secret access key", { type: "password", value: "", placeholder: config.SecretAccessKeySet ? "unchanged (set)" : "not set" }),
    text("LocalRetentionDays", "Keep local copies (days)", { type: "number", min: 0 }),
  ];
  const enabled = toggle("delivery-Enabled", Boolean(config.Enabled), "Deliver recordings to S3");
  const audit = toggle("delivery-DeliverAuditEvents", Boolean(config.DeliverAuditEvents), "Deliver audit events");
  const save = h("button.btn.btn-primary", { type: "submit" }, "Save delivery settings");
  const form = h("form.card-body", { "aria-labelledby": "delivery-title" },
    h("h2", { id: "delivery-title" }, "Recording delivery"),
    h("p.muted.small", "Copy sealed recordings (and optionally audit events) to an S3-compatible bucket."),
    h("div.setting", h("div", h("label", { for: enabled.input.id }, h("strong", "Deliver recordings to S3"))), enabled.el),
    h("div.setting", h("div", h("label", { for: audit.input.id }, h("strong", "Deliver audit events")), h("p", "Audit events go to the same bucket.")), audit.el),
    h("div.form-grid", fields.map((f) => f.el)),
    h("div.form-actions", save));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { Enabled: enabled.input.checked, DeliverAuditEvents: audit.input.checked };
    for (const { key, input } of fields) {
      if (key === "SecretAccessKey" && !input.value) continue;
      if (key === "LocalRetentionDays") body[key] = Number(input.value || 0);
      else body[key] = input.value.trim();
    }
    save.disabled = true;
    try {
      await modify({ SettingType: DELIVERY, [DELIVERY]: body });
      toast.ok("Delivery settings saved.");
    } catch (error) {
      toast.error(error);
    } finally {
      save.disabled = false;
    }
  });
  return h("section.card", form);
}

export function render(root) {
  const box = h("div.settings", spinner("Loading settings…"));
  root.append(h("div.page-head", h("div", h("h1", "Settings"), h("p", "Account-wide settings. Changes apply to sessions started afterwards."))), box);
  (async () => {
    const [sm, delivery] = await Promise.all([
      api.call("DescribeCloudAssistantSettings", { SettingType: [SM] }).then((v) => ({ v }), (e) => ({ e })),
      api.call("DescribeCloudAssistantSettings", { SettingType: [DELIVERY] }).then((v) => ({ v }), (e) => ({ e })),
    ]);
    const cards = [];
    if (sm.e) cards.push(h("section.card", empty("Settings are not available", api.explain(sm.e))));
    else cards.push(sessionCard(sm.v[SM] || {}));
    if (delivery.v?.[DELIVERY]) cards.push(deliveryCard(delivery.v[DELIVERY]));
    else if (delivery.e && delivery.e.code !== "InvalidParameter.SettingType") {
      cards.push(h("div.notice.notice-warn", h("div", h("strong", "Recording delivery settings are not available."), api.explain(delivery.e))));
    }
    clear(box, cards);
  })();
  return undefined;
}
