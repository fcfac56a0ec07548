/* global window, document, location, HTMLElement */
// The minimal screen around the keyboard-wedge detector (the COMPILED one from dist: run `npx tsc -b`).
// Query string: ?layout=key|us|azerty&minLength=4&prefix=…&suffix=…&maxInterKeyMs=40&endSilenceMs=50
// The ordered outcome is kept in window.wedgeLog for tests: { type: 'scan', text } | { type: 'keys', keys: [key…] };
// window.wedgeKeydowns lists every keydown as { key, time } (tests check the machine really typed at the speed asked).
import { WedgeDetector } from '/dist/src/core/wedge/detector.js';

const params = new URLSearchParams(location.search);
const options = {};
for (const name of ['layout', 'prefix', 'suffix']) if (params.has(name)) options[name] = params.get(name);
for (const name of ['minLength', 'maxInterKeyMs', 'endSilenceMs']) if (params.has(name)) options[name] = Number(params.get(name));

const detector = new WedgeDetector(options);
const silenceMs = options.endSilenceMs ?? 50;
const log = [];
const keydowns = [];
window.wedgeLog = log;
window.wedgeKeydowns = keydowns;
window.wedgeHolding = () => detector.holding;

const scansList = document.getElementById('scans');
const keysList = document.getElementById('keys');

function visible(text) {
  return text.split('\u001d').join('<GS>');
}

function show(outputs) {
  for (const output of outputs) {
    const item = document.createElement('li');
    if (output.type === 'scan') {
      log.push({ type: 'scan', text: output.text });
      item.textContent = visible(output.text);
      scansList.append(item);
    } else {
      // A real screen would now run its shortcuts for these keys; here they are listed.
      log.push({ type: 'keys', keys: output.keys.map((k) => k.key) });
      item.textContent = output.keys.map((k) => k.key).join(' ');
      keysList.append(item);
    }
  }
}

function isEditable(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return !target.disabled;
  if (tag !== 'INPUT') return false;
  // Buttons and checkboxes take no typing: a scan may start there.
  return !target.disabled && !target.readOnly && !['button', 'checkbox', 'radio', 'submit', 'reset', 'image', 'file', 'range', 'color'].includes(target.type);
}

let timer;
function schedule() {
  clearTimeout(timer);
  if (!detector.holding) return;
  timer = setTimeout(() => {
    // A keydown already queued behind a busy main thread may carry a time inside the burst: let it
    // arrive before deciding the burst fell silent.
    if (navigator.scheduling?.isInputPending?.() !== true) show(detector.tick(performance.now()));
    schedule();
  }, silenceMs);
}

window.addEventListener(
  'keydown',
  (event) => {
    keydowns.push({ key: event.key, time: event.timeStamp });
    const decision = detector.push({
      key: event.key,
      code: event.code,
      shiftKey: event.shiftKey,
      ctrlKey: event.ctrlKey,
      altKey: event.altKey,
      altGraph: event.getModifierState('AltGraph'),
      repeat: event.repeat,
      // event.timeStamp and performance.now() share one clock (the page's time origin).
      time: event.timeStamp,
      editable: isEditable(event.target),
    });
    if (decision.hold) {
      // Held keys come back later as a scan or as released keys: nothing else may act on them now.
      event.preventDefault();
      event.stopImmediatePropagation();
    }
    show(decision.outputs);
    schedule();
  },
  { capture: true },
);

document.documentElement.dataset['wedgeReady'] = 'true';
