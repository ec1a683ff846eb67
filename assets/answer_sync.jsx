// The wizard's answer outbox: every change a person makes is kept on this device and sent
// to POST /api/wizard/answers in order, so nothing is lost through reloads, lost
// connections, server restarts or cache outages, and a slower earlier save can never
// overwrite a newer choice.
//
// - Each browser tab is a *writer* (an id kept in sessionStorage, so a reload keeps it);
//   each change gets a number that only grows within the writer. The server ignores a
//   change numbered below what it already holds for that field (see answers.py).
// - Changes wait in an outbox persisted in localStorage (per person and assessment) and go
//   out one request at a time, batched while a request is in flight; a failure keeps them
//   and retries with backoff. An outbox left by a closed tab is adopted and sent.
// - The page shows the person's latest choice at once (the inputs are uncontrolled and
//   start from answerValue()), and the components below show the save status and the
//   progress the server confirmed.
import { useEffect, useSyncExternalStore } from "react";
import { getBackendURL } from "$/utils/state";
import env from "$/env.json";

const PATH = "/api/wizard/answers";
const MAX_BATCH = 50;
const TEXT_DELAY_MS = 400; // notes are sent when typing pauses
const HEARTBEAT_MS = 5000;
const ORPHAN_AFTER_MS = 15000;
const RETRY_MS = [500, 1000, 2000, 4000, 8000, 10000];
const OUTBOX_PREFIX = "nv-outbox:";

let context = null; // {assessmentId, userId, readOnly}
let writer = null;
let lastNumber = 0;
let pending = []; // [{themeId, field, value, number}]
let adopted = []; // [{writer, edits}] outboxes of closed tabs, sent before our own
let inFlight = false;
let attempt = 0;
let retryTimer = null;
let textTimers = {};
let heartbeat = null;
let latest = {}; // "theme:field" -> {value, number}: what this page last chose
let latestScope = null; // "user:assessment" the latest choices belong to
const state = { status: "idle", message: "", waiting: 0, saves: 0, progress: null };
let snapshot = { ...state };
const listeners = new Set();

function notify() {
  state.waiting = pending.length + adopted.reduce((n, o) => n + o.edits.length, 0);
  snapshot = { ...state };
  listeners.forEach((listener) => listener());
}

function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function randomId() {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("").slice(0, 16);
}

function tabWriter() {
  let id = sessionStorage.getItem("nv-writer");
  if (!id) {
    id = "tab-" + randomId();
    sessionStorage.setItem("nv-writer", id);
  }
  return id;
}

function nextNumber() {
  const stored = Number(sessionStorage.getItem("nv-writer-number") || 0);
  lastNumber = Math.max(lastNumber + 1, stored + 1, Date.now() * 1000);
  sessionStorage.setItem("nv-writer-number", String(lastNumber));
  return lastNumber;
}

function outboxKey(writerId) {
  return `${OUTBOX_PREFIX}${context.userId}:${context.assessmentId}:${writerId}`;
}

function persist() {
  if (!context) return;
  const key = outboxKey(writer);
  try {
    if (pending.length === 0) {
      localStorage.removeItem(key);
    } else {
      localStorage.setItem(key, JSON.stringify({ at: Date.now(), edits: pending }));
    }
  } catch (error) {
    // Storage full or blocked: the changes still go out from memory.
  }
}

function restore() {
  adopted = [];
  const mine = outboxKey(writer);
  const prefix = `${OUTBOX_PREFIX}${context.userId}:${context.assessmentId}:`;
  for (let index = 0; index < localStorage.length; index += 1) {
    const key = localStorage.key(index);
    if (!key || !key.startsWith(prefix)) continue;
    let saved;
    try {
      saved = JSON.parse(localStorage.getItem(key));
    } catch (error) {
      continue;
    }
    if (!saved || !Array.isArray(saved.edits)) continue;
    if (key === mine) {
      pending = saved.edits.concat(pending);
    } else if (Date.now() - (saved.at || 0) > ORPHAN_AFTER_MS) {
      adopted.push({ writer: key.slice(prefix.length), key, edits: saved.edits });
    }
  }
  for (const edit of pending) {
    latest[`${edit.themeId}:${edit.field}`] = { value: edit.value, number: edit.number };
  }
  lastNumber = Math.max(lastNumber, ...pending.map((edit) => edit.number));
}

function changesOf(field, value) {
  if (field === "rating") {
    return value === "na" ? { not_sure: true } : { rating: Number(value) };
  }
  if (field === "confidence") return { confidence: Number(value) };
  return { [field]: value };
}

function coalesced(edits) {
  // The newest change of each field is enough: older ones would be superseded anyway.
  const byField = new Map();
  for (const edit of edits) byField.set(`${edit.themeId}:${edit.field}`, edit);
  return Array.from(byField.values()).sort((a, b) => a.number - b.number);
}

function endpoint() {
  return new URL(PATH, getBackendURL(env.PING)).toString();
}

async function post(writerId, edits) {
  const body = {
    assessmentId: context.assessmentId,
    writer: writerId,
    edits: edits.map((edit) => ({
      themeId: edit.themeId,
      number: edit.number,
      changes: changesOf(edit.field, edit.value),
    })),
  };
  const response = await fetch(endpoint(), {
    method: "POST",
    credentials: "include",
    headers: { "Content-Type": "application/json", "X-NV-Request": "1" },
    body: JSON.stringify(body),
  });
  let answer = {};
  try {
    answer = await response.json();
  } catch (error) {
    answer = {};
  }
  return { status: response.status, answer };
}

function scheduleRetry(status, message) {
  state.status = status;
  state.message = message;
  notify();
  const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)] * (0.8 + Math.random() * 0.4);
  attempt += 1;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(flush, delay);
}

function settle(sent, answer) {
  const sentNumbers = new Set(sent.map((edit) => edit.number));
  pending = pending.filter((edit) => !sentNumbers.has(edit.number));
  state.saves += sent.length;
  if (answer && answer.progress) state.progress = answer.progress;
  persist();
}

async function sendAdopted() {
  const orphan = adopted[0];
  const edits = coalesced(orphan.edits).slice(0, MAX_BATCH);
  const result = await post(orphan.writer, edits);
  const refusedForGood =
    result.status >= 400 && result.status < 500 && result.status !== 401 && result.status !== 429;
  if (result.status === 200 || refusedForGood) {
    adopted.shift();
    localStorage.removeItem(orphan.key);
    if (result.answer.progress) state.progress = result.answer.progress;
  }
  return result;
}

async function flush() {
  if (!context || inFlight) return;
  clearTimeout(retryTimer);
  const own = coalesced(pending.filter((edit) => !edit.delayed)).slice(0, MAX_BATCH);
  if (adopted.length === 0 && own.length === 0) {
    if (state.status !== "idle" && pending.length === 0) {
      state.status = "saved";
      state.message = "";
      notify();
    }
    return;
  }
  inFlight = true;
  state.status = "saving";
  notify();
  const sendingAdopted = adopted.length > 0;
  let result;
  try {
    result = sendingAdopted ? await sendAdopted() : await post(writer, own);
  } catch (error) {
    inFlight = false;
    scheduleRetry("offline", "");
    return;
  }
  inFlight = false;
  const { status, answer } = result;
  if (sendingAdopted) {
    if (status === 200 || (status >= 400 && status < 500 && status !== 401 && status !== 429)) {
      attempt = 0;
      flush();
    } else {
      scheduleRetry(status === 401 ? "signed-out" : "offline", "");
    }
    return;
  }
  if (status === 200) {
    // an own batch was acknowledged: every change in it is durable (or superseded)
    const superseded = pending.filter((edit) => own.some((sent) =>
      sent.themeId === edit.themeId && sent.field === edit.field && edit.number < sent.number));
    settle(own.concat(superseded), answer);
  } else if (status === 401) {
    scheduleRetry("signed-out", "");
    return;
  } else if (status === 422 && own.length > 1) {
    // one bad change must not hold the others back: send them one at a time
    await sendOneByOne(own);
  } else if (status >= 400 && status < 500 && status !== 429 && status !== 408) {
    settle(own, null); // refused for good (submitted, closed, invalid): say why, keep nothing
    state.status = "refused";
    state.message = answer.error || "This change could not be saved.";
    attempt = 0;
    notify();
    if (pending.length > 0) flush();
    return;
  } else if (status !== 200) {
    scheduleRetry("offline", answer.error || "");
    return;
  }
  attempt = 0;
  state.status = pending.length > 0 || adopted.length > 0 ? "saving" : "saved";
  state.message = "";
  notify();
  if (pending.length > 0 || adopted.length > 0) flush();
}

async function sendOneByOne(edits) {
  for (const edit of edits) {
    let result;
    try {
      result = await post(writer, [edit]);
    } catch (error) {
      scheduleRetry("offline", "");
      return;
    }
    if (result.status === 200 || (result.status >= 400 && result.status < 500)) {
      settle([edit], result.status === 200 ? result.answer : null);
      if (result.status !== 200) {
        state.status = "refused";
        state.message = result.answer.error || "This change could not be saved.";
      }
    } else {
      scheduleRetry("offline", "");
      return;
    }
  }
}

// --- the API the page calls ---------------------------------------------------------------

export function saveAnswer(themeId, field, value) {
  if (!context || context.readOnly) return;
  const key = `${themeId}:${field}`;
  const edit = { themeId, field, value, number: nextNumber() };
  latest[key] = { value, number: edit.number };
  const isText = field === "notes";
  if (isText) edit.delayed = true;
  pending.push(edit);
  persist();
  notify();
  if (isText) {
    clearTimeout(textTimers[key]);
    textTimers[key] = setTimeout(() => {
      for (const waiting of pending) {
        if (`${waiting.themeId}:${waiting.field}` === key) delete waiting.delayed;
      }
      flush();
    }, TEXT_DELAY_MS);
    return;
  }
  flush();
}

// Resolves true once every change is saved (false after timeoutMs): submit waits on it.
export function whenSaved(timeoutMs = 10000) {
  const started = Date.now();
  return new Promise((resolve) => {
    const check = () => {
      if (pending.length === 0 && adopted.length === 0 && !inFlight) {
        resolve(true);
        return;
      }
      for (const edit of pending) delete edit.delayed; // no waiting for a typing pause
      flush();
      if (Date.now() - started > timeoutMs) {
        resolve(false);
        return;
      }
      setTimeout(check, 50);
    };
    check();
  });
}

function keptEdits(userId, assessmentId) {
  // Changes still waiting on this device (any tab), newest per field: read before the
  // outbox is bound, so inputs that mount first start from them too.
  const prefix = `${OUTBOX_PREFIX}${userId}:${assessmentId}:`;
  const kept = {};
  try {
    for (let index = 0; index < localStorage.length; index += 1) {
      const key = localStorage.key(index);
      if (!key || !key.startsWith(prefix)) continue;
      const saved = JSON.parse(localStorage.getItem(key));
      for (const edit of (saved && saved.edits) || []) {
        const field = `${edit.themeId}:${edit.field}`;
        if (!kept[field] || kept[field].number < edit.number) kept[field] = edit;
      }
    }
  } catch (error) {
    return {};
  }
  return kept;
}

// The value an input starts from: this page's latest choice, else a change still waiting
// on this device, else what the server holds.
export function answerValue(assessmentId, userId, themeId, field, serverValue) {
  const key = `${themeId}:${field}`;
  if (latestScope === `${userId}:${assessmentId}` && latest[key]) return latest[key].value;
  const kept = assessmentId && userId ? keptEdits(userId, assessmentId)[key] : undefined;
  return kept ? kept.value : serverValue;
}

function configure(assessmentId, userId, readOnly) {
  const changed = !context || context.assessmentId !== assessmentId || context.userId !== userId;
  context = { assessmentId, userId, readOnly };
  if (!changed) return;
  writer = tabWriter();
  pending = [];
  latest = {};
  latestScope = `${userId}:${assessmentId}`;
  state.progress = null;
  state.status = "idle";
  restore();
  notify();
  clearInterval(heartbeat);
  heartbeat = setInterval(persist, HEARTBEAT_MS);
  flush();
}

if (typeof window !== "undefined") {
  window.addEventListener("online", () => flush());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") flush();
    else persist();
  });
  window.addEventListener("pagehide", persist);
}

// --- components ---------------------------------------------------------------------------

function useOutbox() {
  return useSyncExternalStore(subscribe, () => snapshot, () => snapshot);
}

// Binds the outbox to the assessment the page shows; renders nothing.
export function AnswerSync({ assessmentId, userId, readOnly }) {
  useEffect(() => {
    if (assessmentId && userId) configure(assessmentId, userId, Boolean(readOnly));
  }, [assessmentId, userId, readOnly]);
  return null;
}

function statusText(current) {
  const waiting = current.waiting;
  const changes = waiting === 1 ? "1 change" : `${waiting} changes`;
  switch (current.status) {
    case "saving":
      return "Saving…";
    case "saved":
      return "All changes saved";
    case "offline":
      return `Reconnecting… ${changes} kept on this device will be sent when the connection is back.`;
    case "signed-out":
      return `Your session has ended. Sign in again (in another tab): ${changes} kept on this device will be sent then.`;
    case "refused":
      return current.message;
    default:
      return waiting > 0 ? `${changes} waiting to be saved` : "";
  }
}

export function SaveStatus(props) {
  const current = useOutbox();
  const alert = current.status === "refused" || current.status === "signed-out";
  return (
    <span
      id={props.id}
      className={props.className}
      role={alert ? "alert" : "status"}
      aria-live={alert ? "assertive" : "polite"}
      data-status={current.status}
      data-saves={current.saves}
      data-waiting={current.waiting}
      style={{
        fontSize: "var(--font-size-1)",
        color: alert ? "var(--red-11)" : current.status === "offline" ? "var(--amber-11)" : "var(--green-11)",
      }}
    >
      {statusText(current)}
    </span>
  );
}

function confirmed(current, scope, initial) {
  const progress = current.progress;
  if (!progress) return initial;
  if (scope === "all") return progress.answered;
  const [kind, id] = String(scope).split(":");
  const table = kind === "vector" ? progress.perVector : progress.perSubLens;
  return table && id in table ? table[id] : initial;
}

// A count of answered themes (all, "vector:<id>" or "subLens:<id>") the server confirmed.
export function AnsweredCount({ scope, initial, id, className }) {
  const current = useOutbox();
  return (
    <span id={id} className={className}>
      {confirmed(current, scope, Number(initial) || 0)}
    </span>
  );
}

// The overall progress bar and "N of M themes answered".
export function WizardProgress({ initial, total, id }) {
  const current = useOutbox();
  const answered = confirmed(current, "all", Number(initial) || 0);
  const percent = total ? Math.round((100 * answered) / total) : 0;
  return (
    <div style={{ display: "flex", alignItems: "center", gap: "0.75em", flexWrap: "wrap" }}>
      <div
        role="progressbar"
        aria-label="Overall progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        className="wizard-progress-bar"
        style={{
          width: "12em",
          height: "0.5em",
          borderRadius: "999px",
          background: "var(--gray-a4)",
          overflow: "hidden",
        }}
      >
        <div style={{ width: `${percent}%`, height: "100%", background: "var(--accent-9)" }} />
      </div>
      <span id={id} style={{ fontSize: "var(--font-size-2)" }}>
        {answered} of {total} themes answered
      </span>
    </div>
  );
}
