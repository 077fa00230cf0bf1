// Sessions: the user's own sessions (an administrator's: everyone's, or one user's), filtered by the server, a
// search through the recorded output, and replay of recordings with asciinema-player (speed, seek, idle-time
// limit, start at a matching line) plus download of the .cast file.
//
// Every filter goes to the server (DescribeTerminalSessions / SearchSessionRecordings take the same ones), so a page
// holds only what was asked for and "Load more" follows NextToken: memory and requests stay bounded however many
// sessions the server keeps. Ordinary users ask for their own sessions (Principal = their ARN); that is a view, not
// a boundary: what a user may read is decided by the server's policies.

import { h, clear, spinner, empty, when, duration, bytes } from "../dom.js";
import * as api from "../api.js";
import { toast } from "../toast.js";

export const title = "Sessions";

const PAGE = 50;
const SEARCH_PAGE = 20;
const LINES_PER_SESSION = 5;
const MAX_USERS_SUGGESTED = 200;
const STATES = ["Pending", "Connected", "Terminated", "Expired"];
const KINDS = [["shell", "Shell"], ["port_forward", "Port forwarding"]];
const SPEEDS = [0.5, 1, 1.5, 2, 4, 8];
const IDLE_LIMITS = [["", "Keep pauses"], ["0.5", "0.5 s"], ["1", "1 s"], ["2", "2 s"], ["5", "5 s"]];
const LEAD_IN = 0.5; // seconds of replay shown before a matching line, so the line is seen being printed
// The replay's font: as large as fits the recording's width, between these (px). A recording wider than the page
// at MIN_FONT scrolls sideways instead of shrinking into unreadable text; a narrow one does not grow into a poster.
const MIN_FONT = 12;
const MAX_FONT = 16;
const CHAR_WIDTH = 0.6; // a monospace cell's width per px of font size (DejaVu Sans Mono, Menlo, Consolas: ~0.6)
const CLOCK_EVERY = 250; // ms between updates of the seek bar and the time while playing

/** 83.4 -> "1:23" */
function clockText(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

/** The recording's width in columns, from its header (80 if it has none). */
function castWidth(cast) {
  try {
    const header = JSON.parse(cast.slice(0, cast.indexOf("\n")));
    return Number(header.width) > 0 ? Number(header.width) : 80;
  } catch {
    return 80;
  }
}

const statePill = { Connected: "pill-ok", Pending: "pill-warn", Terminated: "pill-neutral", Expired: "pill-neutral" };

/** "alice" for acs:ram::1:user/alice, "root" for the account root: also what the Principal filter accepts. */
function shortUser(arn) {
  if (!arn) return "—";
  return arn.split(":").pop().replace(/^user\//, "");
}

/** `00:01:23.4`: seconds into a recording, to the tenth (rounded down, as `tether recordings search` prints). */
export function offset(seconds) {
  const tenths = Math.floor(Math.max(Number(seconds) || 0, 0) * 10);
  const whole = Math.floor(tenths / 10);
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(Math.floor(whole / 3600))}:${pad(Math.floor(whole / 60) % 60)}:${pad(whole % 60)}.${tenths % 10}`;
}

/** A datetime-local value (the browser's zone) as the API's ISO 8601 UTC time, or null when empty. */
function isoTime(value) {
  if (!value) return null;
  const moment = new Date(value);
  return Number.isNaN(moment.getTime()) ? null : moment.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The words of a search (quotes and `*` dropped), to mark them in matching lines. */
function searchTerms(text) {
  return [...new Set((text.toLowerCase().match(/[\p{L}\p{N}]+/gu) || []))].slice(0, 16);
}

/** The line as text nodes with the searched words in <mark>: built from nodes, never parsed as markup. */
function marked(text, terms) {
  if (!terms.length) return [text];
  const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`(${escaped.join("|")})`, "giu");
  return text.split(pattern).map((part, i) => (i % 2 ? h("mark", part) : part)).filter((part) => part !== "");
}

function field(id, label, control, extra) {
  control.id = id;
  return h(`div.field${extra || ""}`, h("label", { for: id }, label), control);
}

function traffic(s) {
  if (s.BytesFromClient === null && s.BytesToClient === null) return h("span.muted", "—");
  return h("div", { title: "in: sent by the client to the machine; out: sent by the machine to the client" },
    h("div", `${bytes(s.BytesFromClient)} in`), h("div.small.muted", `${bytes(s.BytesToClient)} out`));
}

function recordingCell(rec) {
  if (!rec) return h("span.small.muted", { "data-testid": "recording" }, "None");
  const where = rec.DeliveredTo
    ? h("div.small.muted.mono.rec-where", { title: rec.DeliveredAt ? `Delivered ${when(rec.DeliveredAt)}` : null },
      `delivered to ${rec.DeliveredTo}`)
    : null;
  let label = "Recorded";
  if (!rec.Sealed) label = "Recording…";
  else if (!rec.Exists) label = rec.DeliveredTo ? "Delivered" : "Not on this server";
  const detail = [rec.Sealed && rec.Size !== null ? bytes(rec.Size) : null, rec.Indexed ? "searchable" : null]
    .filter(Boolean).join(" · ");
  return h("div", { "data-testid": "recording" }, h("div", label), detail ? h("div.small.muted", detail) : null, where);
}

export function render(root) {
  const who = api.me();
  const users = h("datalist", { id: "filter-user-options" });
  const user = h("input.input", { placeholder: "Everyone", autocomplete: "off", size: 11, list: "filter-user-options",
    title: "A RAM user name, a principal ARN, or root" });
  const instance = h("input.input", { placeholder: "mi-…", autocomplete: "off", size: 14 });
  const state = h("select.select", h("option", { value: "" }, "Any state"), STATES.map((s) => h("option", { value: s }, s)));
  const kind = h("select.select", h("option", { value: "" }, "Any kind"), KINDS.map(([v, label]) => h("option", { value: v }, label)));
  const from = h("input.input", { type: "datetime-local" });
  const to = h("input.input", { type: "datetime-local" });
  const query = h("input.input.search", { type: "search", placeholder: "Words printed in a session, \"a phrase\", or pref*",
    autocomplete: "off", maxlength: 512 });
  const clearSearch = h("button.btn.btn-ghost", { type: "button", hidden: true }, "Clear search");

  const body = h("div", spinner("Loading sessions…"));
  const more = h("button.btn.btn-sm", { type: "button" }, "Load more");
  const pager = h("div.pager", { hidden: true }, more);
  const tableView = h("div", body, pager);

  const searchHead = h("div.results-head");
  const searchBody = h("div", { id: "search-results" });
  const searchMore = h("button.btn.btn-sm", { type: "button" }, "Load more");
  const searchPager = h("div.pager", { hidden: true }, searchMore);
  const searchView = h("div", { hidden: true }, searchHead, searchBody, searchPager);
  const replayBox = h("div");

  let sessions = [];
  let nextToken = null;
  let generation = 0;
  let search = null; // {text, terms, nextToken, count} while search results are shown
  let searchGeneration = 0;
  let player = null;
  let objectUrl = null;
  const seenUsers = new Set();

  root.append(
    h("div.page-head", h("div", h("h1", "Sessions"),
      h("p", who.IsAdmin ? "Every session on this server. Search what sessions printed, replay a recording or download it."
        : "Your sessions. Search what they printed, replay a recording or download it."))),
    h("section.card", { "aria-label": "Sessions" },
      h("form.toolbar", { id: "session-filters" },
        who.IsAdmin ? field("filter-user", "User", user) : null,
        who.IsAdmin ? users : null,
        field("filter-instance", "Machine", instance),
        field("filter-state", "State", state),
        field("filter-kind", "Kind", kind),
        field("filter-from", "From", from),
        field("filter-to", "To", to),
        h("button.btn", { type: "submit" }, "Apply")),
      h("form.toolbar", { id: "recording-search", role: "search" },
        field("search-text", "Search recordings", query, ".grow"),
        h("button.btn.btn-primary", { type: "submit" }, "Search"),
        clearSearch),
      tableView, searchView),
    replayBox);

  /** The filters both actions take; State and Kind only DescribeTerminalSessions. */
  function filters() {
    const out = {};
    const principal = who.IsAdmin ? user.value.trim() : who.Arn;
    if (principal) out.Principal = principal;
    if (instance.value.trim()) out.InstanceId = instance.value.trim();
    const after = isoTime(from.value);
    const before = isoTime(to.value);
    if (after) out.StartTimeAfter = after;
    if (before) out.StartTimeBefore = before;
    return out;
  }

  const filtered = () => Boolean((who.IsAdmin && user.value.trim()) || instance.value.trim() || state.value
    || kind.value || from.value || to.value);

  function row(s) {
    const rec = s.Recording;
    const ended = s.Duration !== null && s.Duration !== undefined;
    return h("tr", { dataset: { session: s.SessionId } },
      h("td", h("div.cell-main.mono", s.SessionId), h("div.cell-sub", s.Kind === "port_forward" ? `port ${s.PortNumber} → ${s.TargetServer}` : (s.CommandLine || "shell"))),
      h("td", h("div", shortUser(s.PrincipalId)), h("div.small.muted", s.Username ? `as ${s.Username}` : "")),
      h("td.mono.small", s.InstanceId),
      h("td", h(`span.pill.${statePill[s.State] || "pill-neutral"}`, s.State),
        s.EndReason ? h("div.small.muted", s.EndReason + (s.ExitStatus !== null && s.ExitStatus !== undefined ? ` · status ${s.ExitStatus}` : "")) : null),
      h("td.small", when(s.CreationTime),
        h("div.muted", { "data-testid": "duration" }, ended ? duration(s.Duration) : (s.State === "Connected" ? "running" : ""))),
      h("td.small", { "data-testid": "traffic" }, traffic(s)),
      h("td.small", recordingCell(rec)),
      h("td.actions", rec && rec.Exists
        ? h("button.btn.btn-sm", { type: "button", onclick: () => replay(s), "data-testid": "replay" }, "Replay")
        : null));
  }

  function draw() {
    pager.hidden = !nextToken;
    if (!sessions.length) {
      clear(body, filtered() ? empty("No session matches", "Change the filters and apply them again.")
        : empty("No sessions yet", "Sessions appear here once someone opens a terminal."));
      return;
    }
    clear(body, h("table.table", { id: "sessions" },
      h("thead", h("tr", ["Session", "User", "Machine", "State", "Started", "Traffic", "Recording", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", sessions.map(row))));
  }

  function suggestUsers(list) {
    if (!who.IsAdmin) return;
    for (const s of list) {
      if (s.PrincipalId && seenUsers.size < MAX_USERS_SUGGESTED && !seenUsers.has(s.PrincipalId)) {
        seenUsers.add(s.PrincipalId);
        users.append(h("option", { value: shortUser(s.PrincipalId) }));
      }
    }
  }

  function failure(error) {
    const bad = error instanceof api.ApiError && error.code.startsWith("InvalidParameter");
    return empty(bad ? "Check the filters" : "Sessions are not available", api.explain(error));
  }

  async function fetchPage(reset) {
    const mine = ++generation;
    if (reset) {
      sessions = [];
      nextToken = null;
      pager.hidden = true;
      clear(body, spinner("Loading sessions…"));
    }
    more.disabled = true;
    try {
      const request = { ...filters(), MaxResults: PAGE };
      if (state.value) request.State = state.value;
      if (kind.value) request.Kind = kind.value;
      if (!reset && nextToken) request.NextToken = nextToken;
      const doc = await api.call("DescribeTerminalSessions", request);
      if (mine !== generation) return;
      sessions.push(...(doc.Sessions || []));
      nextToken = doc.NextToken || null;
      suggestUsers(doc.Sessions || []);
      draw();
    } catch (error) {
      if (mine !== generation) return;
      if (reset) clear(body, failure(error));
      else toast.error(error);
    } finally {
      more.disabled = false;
    }
  }

  // ------------------------------------------------------------------------------------------ search

  function hitView(s) {
    const lines = (s.Lines || []).map((line) => h("li",
      h("button.hit-line", { type: "button", title: `Replay from ${offset(line.Time)}`, onclick: () => replay(s, line.Time) },
        h("span.offset", `[${offset(line.Time)}]`), " ", h("span.hit-text", marked(line.Text, search.terms)))));
    return h("article.hit", { dataset: { session: s.SessionId } },
      h("div.hit-head",
        h("div", h("span.cell-main.mono", s.SessionId),
          h("span.small.muted", ` · ${shortUser(s.PrincipalId)}${s.Username ? ` as ${s.Username}` : ""} · `),
          h("span.small.mono", s.InstanceId), h("span.small.muted", ` · ${when(s.CreationTime)}`)),
        h("button.btn.btn-sm", { type: "button", onclick: () => replay(s), "data-testid": "replay" }, "Replay")),
      h("ol.hit-lines", lines),
      s.MoreLines ? h("p.small.muted.hit-more", "More lines match; replay the session to see them all.") : null);
  }

  function drawSearchHead(loading) {
    const ignored = [state.value ? "state" : null, kind.value ? "kind" : null].filter(Boolean);
    clear(searchHead,
      h("h2", "Recorded output matching ", h("q", search.text)),
      loading || !search.count ? null : h("span.small.muted", `${search.count} session${search.count === 1 ? "" : "s"}${search.nextToken ? " so far" : ""}`),
      ignored.length ? h("span.small.muted", `(the ${ignored.join(" and ")} filter does not apply to search)`) : null);
  }

  async function runSearch(reset) {
    const mine = ++searchGeneration;
    if (reset) {
      search = { text: query.value.trim(), terms: searchTerms(query.value), nextToken: null, count: 0 };
      tableView.hidden = true;
      searchView.hidden = false;
      clearSearch.hidden = false;
      searchPager.hidden = true;
      drawSearchHead(true);
      clear(searchBody, spinner("Searching the recordings…"));
    }
    searchMore.disabled = true;
    try {
      const request = { ...filters(), Text: search.text, MaxResults: SEARCH_PAGE, MaxLinesPerSession: LINES_PER_SESSION };
      if (!reset && search.nextToken) request.NextToken = search.nextToken;
      const doc = await api.call("SearchSessionRecordings", request);
      if (mine !== searchGeneration) return;
      const found = doc.Sessions || [];
      if (reset) clear(searchBody);
      search.nextToken = doc.NextToken || null;
      search.count += found.length;
      searchBody.append(...found.map(hitView));
      if (!search.count) {
        clear(searchBody, empty(`No recorded output matches “${search.text}”`, filtered()
          ? "Change the words or the filters; recordings are searchable once their session has ended."
          : "Change the words; recordings are searchable once their session has ended."));
      }
      searchPager.hidden = !search.nextToken;
      drawSearchHead(false);
    } catch (error) {
      if (mine !== searchGeneration) return;
      toast.error(error);
      if (reset) clear(searchBody, empty("The search did not run", api.explain(error)));
    } finally {
      searchMore.disabled = false;
    }
  }

  function endSearch() {
    searchGeneration++;
    search = null;
    query.value = "";
    searchView.hidden = true;
    clearSearch.hidden = true;
    tableView.hidden = false;
  }

  // ------------------------------------------------------------------------------------------ replay

  let ticker = null;

  function stopPlayer() {
    if (ticker) clearInterval(ticker);
    ticker = null;
    if (player) player.dispose();
    player = null;
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = null;
  }

  async function replay(s, at) {
    stopPlayer();
    const stage = h("div.replay-stage", { id: "player" }, spinner("Loading the recording…"));
    const speed = h("select.select", { id: "replay-speed" }, SPEEDS.map((v) => h("option", { value: v, selected: v === 1 }, `${v}×`)));
    const idle = h("select.select", { id: "replay-idle" }, IDLE_LIMITS.map(([v, label]) => h("option", { value: v, selected: v === "2" }, label)));
    const download = h("a.btn.btn-sm", { "aria-disabled": "true", download: `${s.SessionId}.cast`, "data-testid": "download" }, "Download .cast");
    const close = h("button.btn.btn-sm.btn-ghost", { type: "button", onclick: () => { stopPlayer(); clear(replayBox); } }, "Close");
    const toggle = h("button.btn.btn-sm.replay-toggle", { type: "button", id: "replay-toggle", disabled: true }, "Pause");
    const seek = h("input.replay-seek", { type: "range", id: "replay-seek", min: "0", max: "0", step: "0.1", value: "0",
      "aria-label": "Position in the recording", disabled: true });
    const clock = h("span.replay-time.mono", { id: "replay-time", "aria-live": "off" }, "0:00 / 0:00");
    const quick = [1, 2, 4].map((v) => h("button.btn.btn-sm.btn-ghost", { type: "button", "data-speed": v,
      "aria-label": `Play at ${v}× speed`, onclick: () => { speed.value = String(v); speed.dispatchEvent(new Event("change")); } }, `${v}×`));
    clear(replayBox, h("section.card.replay", { "aria-label": "Replay" },
      h("div.replay-head", h("h2", "Replay ", h("span.mono", s.SessionId),
        at !== undefined ? h("span.small.muted", ` from ${offset(at)}`) : null),
      h("label.label", { for: "replay-speed" }, "Speed"), speed,
      h("label.label", { for: "replay-idle" }, "Idle limit"), idle, download, close),
      stage,
      h("div.replay-controls", { role: "group", "aria-label": "Player controls" }, toggle, seek, clock,
        h("span.replay-quick", quick))));
    replayBox.scrollIntoView({ behavior: "smooth", block: "start" });
    let cast;
    let AsciinemaPlayer;
    try {
      [cast, AsciinemaPlayer] = await Promise.all([api.recording(s.SessionId), import("../../vendor/asciinema-player/index.js")]);
    } catch (error) {
      clear(stage, empty("The recording cannot be loaded", api.explain(error)));
      return;
    }
    objectUrl = URL.createObjectURL(new Blob([cast], { type: "application/x-asciicast" }));
    download.href = objectUrl;
    download.removeAttribute("aria-disabled");
    const cols = castWidth(cast);
    let playing = false;
    let dragging = false;
    const showState = () => {
      toggle.textContent = playing ? "Pause" : "Play";
      toggle.setAttribute("aria-label", playing ? "Pause the replay" : "Play the replay");
      for (const b of quick) b.setAttribute("aria-pressed", String(Number(b.dataset.speed) === Number(speed.value)));
    };
    const tick = async () => {
      if (!player) return;
      const [now, total] = await Promise.all([player.getCurrentTime(), player.getDuration()]);
      if (total) {
        seek.max = String(total);
        seek.disabled = false;
      }
      if (!dragging) seek.value = String(now || 0);
      clock.textContent = `${clockText(dragging ? seek.value : now)} / ${clockText(total)}`;
    };
    const mount = (startAt, autoPlay) => {
      if (player) player.dispose();
      clear(stage);
      // The font as large as the width allows, within MIN_FONT..MAX_FONT; wider recordings scroll sideways.
      const room = stage.clientWidth - 24;
      const font = Math.max(MIN_FONT, Math.min(MAX_FONT, Math.floor(room / (cols * CHAR_WIDTH))));
      stage.classList.toggle("wide", cols * CHAR_WIDTH * font > room);
      // startAt is in the recording's own time; the player maps it through the idle-time limit itself.
      player = AsciinemaPlayer.create({ data: cast }, stage, {
        speed: Number(speed.value),
        idleTimeLimit: idle.value ? Number(idle.value) : undefined,
        startAt,
        autoPlay,
        fit: false,
        controls: false, // ours below: always visible, labelled, and they survive a remount
        terminalFontSize: `${font}px`,
        terminalFontFamily: getComputedStyle(document.documentElement).getPropertyValue("--mono").trim(),
        theme: "asciinema",
      });
      playing = autoPlay;
      player.addEventListener("play", () => { playing = true; showState(); });
      player.addEventListener("playing", () => { playing = true; showState(); });
      player.addEventListener("pause", () => { playing = false; showState(); tick(); });
      player.addEventListener("ended", () => { playing = false; showState(); tick(); });
      toggle.disabled = false;
      showState();
    };
    const remount = () => {
      const current = player ? player.getCurrentTime() : 0;
      Promise.resolve(current).then((t) => mount(t || 0, playing));
    };
    toggle.addEventListener("click", () => {
      if (!player) return;
      if (playing) player.pause();
      else player.play();
    });
    seek.addEventListener("input", () => { dragging = true; clock.textContent = `${clockText(seek.value)} / ${clockText(seek.max)}`; });
    seek.addEventListener("change", async () => {
      dragging = false;
      if (player) await player.seek(Number(seek.value));
      tick();
    });
    speed.addEventListener("change", remount);
    idle.addEventListener("change", remount);
    mount(at !== undefined ? Math.max(Number(at) - LEAD_IN, 0) : 0, true);
    ticker = setInterval(tick, CLOCK_EVERY);
  }

  document.getElementById("session-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    fetchPage(true);
    if (search) {
      if (!query.value.trim()) query.value = search.text;
      runSearch(true);
    }
  });
  document.getElementById("recording-search").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!query.value.trim()) {
      endSearch();
      return;
    }
    runSearch(true);
  });
  clearSearch.addEventListener("click", endSearch);
  more.addEventListener("click", () => fetchPage(false));
  searchMore.addEventListener("click", () => runSearch(false));
  fetchPage(true);
  return () => {
    generation++;
    searchGeneration++;
    stopPlayer();
  };
}
