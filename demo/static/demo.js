// webinar-bot demo page: a Telegram-like chat over the demo server's JSON API and event stream.
// Message HTML arrives already sanitised by the server (demo/render.py); everything else is set
// with textContent, never as HTML.
'use strict';

const state = {
  users: new Map(),      // id -> persona
  chats: new Map(),      // id -> Map(message_id -> message)
  unread: new Map(),     // id -> count
  current: null,
  offset: 0,             // bot clock minus this browser's clock, in ms
  webinar: null,
};
const $ = (id) => document.getElementById(id);
const LANGS = { en: 'English', es: 'Español' };
const COLORS = ['#e17076', '#7bc862', '#e5ca77', '#65aadd', '#a695e7', '#ee7aae', '#6ec9cb', '#faa774'];

async function api(path, options = {}) {
  const response = await fetch(path, { headers: { 'Content-Type': 'application/json' }, ...options });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((part) => part[0]).join('').toUpperCase();
}

function describe(user) {
  if (user.role === 'organizer') return `Organizer · ${user.institution} · ${LANGS[user.language] || user.language}`;
  const parts = [user.sex && user.sex[0].toUpperCase() + user.sex.slice(1), user.country,
    LANGS[user.language] || user.language];
  return parts.filter(Boolean).join(' · ');
}

// ---- people ----
function renderPeople() {
  const list = $('people');
  list.replaceChildren();
  for (const user of state.users.values()) {
    const item = el('li');
    const button = el('button', 'person');
    button.type = 'button';
    button.dataset.id = String(user.id);
    if (user.id === state.current) button.setAttribute('aria-current', 'true');
    const avatar = el('span', 'avatar', initials(user.name));
    avatar.style.background = COLORS[user.id % COLORS.length];
    avatar.setAttribute('aria-hidden', 'true');
    const label = el('span');
    const name = el('span', 'person-name', user.name);
    if (user.role === 'organizer') name.append(el('span', 'role', 'organizer'));
    label.append(name, el('span', 'person-sub', describe(user)));
    const count = state.unread.get(user.id) || 0;
    const badge = el('span', 'unread active', String(count));
    badge.hidden = count === 0;
    badge.setAttribute('aria-label', `${count} new`);
    button.append(avatar, label, badge);
    button.addEventListener('click', () => selectUser(user.id, true));
    item.append(button);
    list.append(item);
  }
}

async function selectUser(id, focusInput) {
  state.current = id;
  state.unread.set(id, 0);
  const user = state.users.get(id);
  $('chat-sub').textContent = `bot · you are ${user.name} (${describe(user)})`;
  $('app').classList.add('show-chat');
  renderPeople();
  closeMenu();
  const messages = await api(`/api/users/${id}/messages`);
  const chat = new Map();
  for (const message of messages) chat.set(message.message_id, message);
  state.chats.set(id, chat);
  if (state.current === id) renderChat();
  loadCommands(id);
  if (focusInput) $('input').focus();
}

// ---- messages ----
function timeOf(unix) {
  if (!unix) return '';
  return new Date(unix * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function formatSize(bytes) {
  if (!bytes && bytes !== 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function renderMessage(message) {
  const item = el('li', `msg ${message.from_bot ? 'in' : 'out'}`);
  item.dataset.id = String(message.message_id);
  const bubble = el('div', 'bubble');
  if (message.photo) {
    const link = el('a', 'photo');
    link.href = message.photo.url;
    link.target = '_blank';
    link.rel = 'noopener';
    const image = el('img');
    image.src = message.photo.url;
    image.alt = 'Image sent by the bot';
    link.append(image);
    bubble.append(link);
  }
  if (message.document) {
    const doc = message.document;
    const link = el('a', 'file');
    link.href = doc.url;
    link.setAttribute('download', doc.file_name);
    link.setAttribute('aria-label', `Download ${doc.file_name}`);
    const icon = el('span', 'file-icon', '\u2913');
    icon.setAttribute('aria-hidden', 'true');
    const info = el('span');
    info.append(el('span', 'file-name', doc.file_name), el('span', 'file-size', formatSize(doc.file_size)));
    link.append(icon, info);
    bubble.append(link);
  }
  const html = message.html || message.caption;
  if (html) {
    const text = el('div', message.html ? 'text' : 'text caption');
    text.innerHTML = html; // sanitised by the server: whitelisted tags, escaped text, safe links
    bubble.append(text);
  }
  const meta = el('span', 'meta', (message.edit_date ? 'edited ' : '') + timeOf(message.edit_date || message.date));
  bubble.append(meta);
  item.append(bubble);
  if (message.keyboard && message.keyboard.length) {
    item.classList.add('has-keyboard');
    const keyboard = el('div', 'keyboard');
    keyboard.setAttribute('role', 'group');
    keyboard.setAttribute('aria-label', 'Buttons');
    for (const row of message.keyboard) {
      const line = el('div', 'kb-row');
      for (const button of row) line.append(keyboardButton(message, button));
      keyboard.append(line);
    }
    item.append(keyboard);
  }
  return item;
}

function keyboardButton(message, button) {
  if (button.kind === 'url') {
    const link = el('a', 'kb-button url', button.text);
    link.href = button.url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    return link;
  }
  const node = el('button', 'kb-button', button.text);
  node.type = 'button';
  node.addEventListener('click', async () => {
    node.disabled = true;
    try {
      await api(`/api/users/${state.current}/press`, {
        method: 'POST', body: JSON.stringify({ message_id: message.message_id, data: button.data }),
      });
    } catch (error) {
      showToast(error.message, false);
    } finally {
      setTimeout(() => { node.disabled = false; }, 400);
    }
  });
  return node;
}

function nearBottom() {
  const wrap = $('messages-wrap');
  return wrap.scrollHeight - wrap.scrollTop - wrap.clientHeight < 120;
}

function scrollDown() {
  const wrap = $('messages-wrap');
  wrap.scrollTop = wrap.scrollHeight;
}

function renderChat() {
  const chat = state.chats.get(state.current) || new Map();
  const list = $('messages');
  list.replaceChildren();
  const ids = [...chat.keys()].sort((a, b) => a - b);
  for (const id of ids) list.append(renderMessage(chat.get(id)));
  $('empty').hidden = ids.length > 0;
  scrollDown();
}

function upsert(userId, message) {
  const chat = state.chats.get(userId);
  if (!chat) return;
  if (message.deleted) chat.delete(message.message_id); else chat.set(message.message_id, message);
  if (userId !== state.current) return;
  const list = $('messages');
  const follow = nearBottom() || !message.from_bot;
  const old = list.querySelector(`li[data-id="${message.message_id}"]`);
  if (message.deleted) {
    if (old) old.remove();
  } else if (old) {
    old.replaceWith(renderMessage(message));
  } else {
    const next = [...list.children].find((node) => Number(node.dataset.id) > message.message_id);
    list.insertBefore(renderMessage(message), next || null);
  }
  $('empty').hidden = chat.size > 0;
  if (follow) scrollDown();
}

// ---- toasts ----
let toastTimer = null;
function showToast(text, alert) {
  const toast = $('toast');
  toast.textContent = text;
  toast.classList.toggle('alert', Boolean(alert));
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.hidden = true; }, alert ? 6000 : 2500);
}

// ---- live events ----
function handleEvent(item) {
  if (item.kind === 'clock') { syncClock(item.now); return; }
  if (item.kind === 'user') { addUser(item.user); return; }
  const userId = item.user_id;
  if (item.kind === 'callback_answer') {
    if (userId === state.current && item.text) showToast(item.text, item.show_alert);
    if (userId === state.current && item.url) window.open(item.url, '_blank', 'noopener');
    return;
  }
  if (!item.message) return;
  if (item.kind === 'message' && item.message.from_bot && userId !== state.current) {
    state.unread.set(userId, (state.unread.get(userId) || 0) + 1);
    renderPeople();
  }
  upsert(userId, { ...item.message, deleted: item.kind === 'delete' || item.message.deleted });
}

function connect() {
  const source = new EventSource('/api/events');
  source.onmessage = (event) => handleEvent(JSON.parse(event.data));
  source.onopen = () => { if (state.current !== null) selectUser(state.current, false); };
}

function addUser(user) {
  if (state.users.has(user.id)) return;
  state.users.set(user.id, user);
  state.chats.set(user.id, state.chats.get(user.id) || new Map());
  renderPeople();
}

// ---- commands ----
async function loadCommands(id) {
  const commands = await api(`/api/users/${id}/commands`);
  if (state.current !== id) return;
  const menu = $('menu');
  menu.replaceChildren();
  for (const command of commands) {
    const button = el('button', 'command');
    button.type = 'button';
    button.setAttribute('role', 'menuitem');
    button.append(el('span', 'command-name', `/${command.command}`), el('span', 'command-desc', command.description));
    button.addEventListener('click', () => { closeMenu(); send(`/${command.command}`); $('input').focus(); });
    menu.append(button);
  }
  $('menu-button').hidden = commands.length === 0;
}

function closeMenu() {
  $('menu').hidden = true;
  $('menu-button').setAttribute('aria-expanded', 'false');
}

function toggleMenu() {
  const menu = $('menu');
  const open = menu.hidden;
  menu.hidden = !open;
  $('menu-button').setAttribute('aria-expanded', String(open));
  if (open) { const first = menu.querySelector('button'); if (first) first.focus(); }
}

// ---- sending ----
// The toolbar writes **bold**, __italic__ and [text](https://address) into the message box; on
// sending they become Bot API entities (offsets in UTF-16 code units, as JavaScript counts).
const FORMAT_RE = /\*\*([^*]+?)\*\*|__([^_]+?)__|\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g;

function parseFormatting(raw) {
  let text = '';
  let last = 0;
  const entities = [];
  for (const match of raw.matchAll(FORMAT_RE)) {
    text += raw.slice(last, match.index);
    const inner = match[1] ?? match[2] ?? match[3];
    const type = match[1] !== undefined ? 'bold' : match[2] !== undefined ? 'italic' : 'text_link';
    const entity = { type, offset: text.length, length: inner.length };
    if (type === 'text_link') entity.url = match[4];
    entities.push(entity);
    text += inner;
    last = match.index + match[0].length;
  }
  return { text: text + raw.slice(last), entities };
}

async function sendForm(fields) {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  const response = await fetch(`/api/users/${state.current}/rich`, { method: 'POST', body: form });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || response.statusText);
}

async function send(raw) {
  if (state.current === null || !raw.trim()) return;
  const { text, entities } = parseFormatting(raw);
  try {
    if (entities.length) await sendForm({ text, entities: JSON.stringify(entities) });
    else await api(`/api/users/${state.current}/messages`, { method: 'POST', body: JSON.stringify({ text }) });
  } catch (error) {
    showToast(error.message, false);
  }
}

async function sendFile(file) {
  if (state.current === null || !file) return;
  const input = $('input');
  const { text, entities } = parseFormatting(input.value);
  input.value = '';
  try {
    await sendForm({ text, entities: JSON.stringify(entities), file });
  } catch (error) {
    showToast(error.message, false);
  }
}

function applyFormat(kind) {
  const input = $('input');
  const start = input.selectionStart;
  const end = input.selectionEnd;
  const chosen = input.value.slice(start, end) || (kind === 'link' ? 'link' : 'text');
  let wrapped;
  if (kind === 'link') {
    const url = window.prompt('Link address (https://…)', 'https://');
    if (!url || !/^https?:\/\/\S+$/.test(url)) { input.focus(); return; }
    wrapped = `[${chosen}](${url})`;
  } else {
    const mark = kind === 'bold' ? '**' : '__';
    wrapped = `${mark}${chosen}${mark}`;
  }
  input.setRangeText(wrapped, start, end, 'end');
  input.focus();
}

// ---- clock ----
function syncClock(iso) {
  state.offset = Date.parse(iso) - Date.now();
  tick();
}

function two(n) { return String(n).padStart(2, '0'); }
function span(ms) {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const rest = `${two(Math.floor((total % 3600) / 60))}:${two(total % 60)}`;
  return hours ? `${hours}:${rest}` : rest;
}

function tick() {
  const now = Date.now() + state.offset;
  $('clock-now').textContent = new Date(now).toLocaleTimeString();
  if (!state.webinar) return;
  const start = Date.parse(state.webinar.starts_at);
  const end = Date.parse(state.webinar.ends_at);
  const countdown = $('countdown');
  countdown.classList.toggle('live', now >= start && now < end);
  if (now < start) countdown.textContent = `starts in ${span(start - now)}`;
  else if (now < end) countdown.textContent = `live now · ends in ${span(end - now)}`;
  else countdown.textContent = `ended ${span(now - end)} ago`;
}

// ---- start ----
async function main() {
  const data = await api('/api/state');
  state.webinar = data.webinar;
  $('webinar-title').textContent = data.webinar.title;
  syncClock(data.now);
  for (const user of data.users) addUser(user);
  setInterval(tick, 1000);
  connect();
  const wide = window.matchMedia('(min-width: 721px)').matches;
  if (data.users.length) await selectUser(data.users[0].id, false);
  if (!wide) $('app').classList.remove('show-chat');

  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('input');
    const text = input.value;
    input.value = '';
    send(text);
  });
  $('input').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('composer').requestSubmit();
    }
  });
  for (const button of document.querySelectorAll('[data-format]')) {
    button.addEventListener('click', () => applyFormat(button.dataset.format));
  }
  $('attach').addEventListener('click', () => $('file-input').click());
  $('file-input').addEventListener('change', () => {
    const file = $('file-input').files[0];
    $('file-input').value = '';
    sendFile(file);
  });
  $('menu-button').addEventListener('click', toggleMenu);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !$('menu').hidden) { closeMenu(); $('menu-button').focus(); }
  });
  $('start-button').addEventListener('click', () => send('/start'));
  $('back').addEventListener('click', () => { $('app').classList.remove('show-chat'); });
  window.addEventListener('resize', () => { if (nearBottom()) scrollDown(); });
  $('messages').addEventListener('click', (event) => {
    const command = event.target.closest('[data-command]');
    if (command) { event.preventDefault(); send(command.dataset.command); return; }
    const spoiler = event.target.closest('.spoiler');
    if (spoiler) spoiler.classList.add('revealed');
  });
  $('add-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = $('add-name').value.trim();
    $('add-error').textContent = '';
    try {
      const user = await api('/api/users', {
        method: 'POST', body: JSON.stringify({ name, language: $('add-lang').value }),
      });
      addUser(user);
      $('add-name').value = '';
      await selectUser(user.id, true);
    } catch (error) {
      $('add-error').textContent = error.message;
    }
  });
}

document.addEventListener('DOMContentLoaded', () => {
  main().catch((error) => showToast(`The demo server did not answer: ${error.message}`, true));
});
