/* 拜访助手: the representatives' phone app (pharma_field).
   Plain JavaScript, no build step.  The data of the rep (doctors,
   hospitals, products, plans, last calls) is kept in IndexedDB and the
   calls logged on the phone wait in a queue there until they are synced;
   the shell is kept by the service worker (sw.js). */
'use strict';
(function () {
  const DB_NAME = decodeURIComponent(location.pathname.split('/')[1] || '');
  const BASE = '/' + encodeURIComponent(DB_NAME);
  const API = BASE + '/field/api/';
  const STALE_DAYS = 7;
  const TYPES = {
    face_to_face: '面访', joint_visit: '协访', phone: '电话', online: '线上/微信',
  };
  const CHECKIN_TYPES = ['face_to_face', 'joint_visit'];
  const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const esc = (text) => String(text == null ? '' : text).replace(/[&<>"']/g,
    (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));

  // IndexedDB: 'kv' (session, data, last sync) and 'queue' (calls to send)

  let idb = null;
  function openDb() {
    if (idb) return Promise.resolve(idb);
    return new Promise((resolve, reject) => {
      const request = indexedDB.open('pharma-field-' + DB_NAME, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore('kv');
        db.createObjectStore('queue', {keyPath: 'client_id'});
      };
      request.onsuccess = () => { idb = request.result; resolve(idb); };
      request.onerror = () => reject(request.error);
    });
  }
  function tx(store, mode, fn) {
    return openDb().then((db) => new Promise((resolve, reject) => {
      const t = db.transaction(store, mode);
      const result = fn(t.objectStore(store));
      t.oncomplete = () => resolve(result && 'result' in result ? result.result : result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    }));
  }
  const kvGet = (key) => tx('kv', 'readonly', (s) => s.get(key));
  const kvSet = (key, value) => tx('kv', 'readwrite', (s) => { s.put(value, key); });
  const queueAll = () => tx('queue', 'readonly', (s) => s.getAll());
  const queuePut = (entry) => tx('queue', 'readwrite', (s) => { s.put(entry); });
  const queueDelete = (id) => tx('queue', 'readwrite', (s) => { s.delete(id); });
  const clearAll = () => Promise.all([
    tx('kv', 'readwrite', (s) => { s.clear(); }),
    tx('queue', 'readwrite', (s) => { s.clear(); })]);

  // State

  const state = {
    session: null, data: null, queue: [], lastSync: null, syncing: false,
    search: '', index: null,
  };

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }
  function localDay(date) {
    const d = date || new Date();
    return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
  }
  function fmtTime(iso) {
    const d = new Date(iso);
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  }
  function fmtDate(iso) {
    const d = new Date(iso);
    return (d.getMonth() + 1) + '月' + d.getDate() + '日';
  }
  function fmtDay(day) {
    const [y, m, d] = day.split('-').map(Number);
    const date = new Date(y, m - 1, d);
    return (m) + '月' + d + '日 ' + WEEKDAYS[date.getDay()];
  }
  function ago(iso) {
    if (!iso) return '从未';
    const minutes = Math.round((Date.now() - new Date(iso).getTime()) / 60000);
    if (minutes < 1) return '刚刚';
    if (minutes < 60) return minutes + '分钟前';
    if (minutes < 60 * 24) return Math.round(minutes / 60) + '小时前';
    return Math.round(minutes / 1440) + '天前';
  }
  function toast(text) {
    const el = $('#toast');
    el.textContent = text;
    el.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { el.hidden = true; }, 2600);
  }

  // Lookups

  function buildIndex() {
    const data = state.data;
    const idx = {doctors: new Map(), hospitals: new Map(), products: new Map(), calls: new Map(), plans: new Map()};
    if (!data) { state.index = idx; return; }
    data.hospitals.forEach((h) => idx.hospitals.set(h.id, h));
    data.products.forEach((p) => idx.products.set(p.id, p));
    data.doctors.forEach((d) => {
      const h = idx.hospitals.get(d.hospital) || {};
      d._key = [d.name, d.pinyin, d.initials, d.hospital_name, h.pinyin, h.initials, d.department]
        .join(' ').toLowerCase().replace(/\s+/g, '');
      idx.doctors.set(d.id, d);
    });
    data.calls.forEach((c) => {
      if (!idx.calls.has(c.party)) idx.calls.set(c.party, []);
      idx.calls.get(c.party).push(c);
    });
    idx.calls.forEach((list) => list.sort((a, b) => b.date.localeCompare(a.date)));
    data.plans.forEach((p) => idx.plans.set(p.id, p));
    state.index = idx;
  }
  const doctor = (id) => state.index.doctors.get(id);
  const queuedFor = (planId) => state.queue.find((q) => q.item.plan === planId && q.item.resolution !== 'new');

  function lastCalls(partyId) {
    const local = state.queue.filter((q) => q.item.party === partyId).map((q) => ({
      date: q.item.date, call_type: q.item.call_type, products: q.item.products,
      feedback: q.item.feedback, next_step: q.item.next_step, local: true, status: q.status,
    }));
    const server = (state.index.calls.get(partyId) || []).filter(
      (c) => !c.client_id || !state.queue.some((q) => q.client_id === c.client_id));
    return local.concat(server).sort((a, b) => b.date.localeCompare(a.date));
  }
  function suggestProducts(partyId, plan) {
    if (plan && plan.products && plan.products.length) return plan.products.slice();
    const last = lastCalls(partyId).find((c) => c.products && c.products.length);
    if (last) return last.products.filter((p) => state.index.products.has(p)).slice(0, 3);
    const d = doctor(partyId);
    const areas = new Set((d && d.areas) || []);
    return state.data.products.filter((p) => p.area && areas.has(p.area)).slice(0, 2).map((p) => p.id);
  }
  const productName = (id) => (state.index.products.get(id) || {}).name || '';
  function shortProduct(id) {
    const name = productName(id);
    return name.split(' ')[0] || name;
  }

  // Server

  function b64(text) {
    return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
  }
  function authHeader() {
    const s = state.session;
    return 'Session ' + b64(s.login + ':' + s.userid + ':' + s.token);
  }
  class HttpError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }
  async function api(name, body) {
    const response = await fetch(API + name, {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'Authorization': authHeader(),
        'X-Requested-With': 'XMLHttpRequest'},
      body: JSON.stringify(body || {}),
      cache: 'no-store',
    });
    let payload = null;
    try { payload = await response.json(); } catch (e) { payload = null; }
    if (!response.ok) {
      throw new HttpError(response.status, (payload && payload.error) || ('服务器错误 ' + response.status));
    }
    return payload;
  }
  async function login(user, password) {
    const response = await fetch(BASE + '/rpc/', {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({id: 1, method: 'common.db.login',
        params: [user, {password: password}, 'zh_CN']}),
    });
    if (response.status === 429) throw new Error('尝试次数过多，请稍后再试');
    if (!response.ok) throw new Error('用户名或密码错误');
    const payload = await response.json();
    if (payload.error || !payload.result) throw new Error('用户名或密码错误');
    if (state.data && state.data.user && state.data.user.login !== user) {
      // another user on this phone: nothing of the previous one stays
      await clearAll();
      state.data = null; state.queue = []; state.lastSync = null;
    }
    state.session = {login: user, userid: payload.result[0], token: payload.result[1]};
    await kvSet('session', state.session);
  }

  // Download: the first time in pages (a cut download goes on from its
  // last page, kept in 'staging'), then only what changed since the last
  // sync (the server's cursor) and the doctors to drop

  const SMALL = ['user', 'config', 'phrases', 'hospitals', 'products', 'plans', 'today', 'server_time'];
  function applyPage(data, page) {
    if (page.first) {
      SMALL.forEach((key) => { if (key in page) data[key] = page[key]; });
      if (page.full) { data.doctors = []; data.calls = []; }
    }
    const drop = new Set(((page.removed || {}).doctors) || []);
    const fresh = new Map(page.doctors.map((d) => [d.id, d]));
    const replaced = new Set(page.call_doctors || []);
    data.doctors = data.doctors.filter((d) => !drop.has(d.id) && !fresh.has(d.id))
      .concat(page.doctors).sort((a, b) => a.id - b.id);
    data.calls = data.calls.filter((c) => !drop.has(c.party) && !replaced.has(c.party))
      .concat(page.calls);
    return data;
  }
  async function download() {
    const staging = await kvGet('staging');
    let data, cursor;
    if (staging) {
      // a first download cut in the middle: its next page
      data = staging; cursor = staging.cursor;
    } else if (state.data && state.data.cursor) {
      // what changed since the last sync, on a copy of the phone's data
      data = Object.assign({}, state.data, {
        doctors: state.data.doctors.slice(), calls: state.data.calls.slice()});
      cursor = state.data.cursor;
    } else {
      data = {doctors: [], calls: []}; cursor = null;
    }
    for (;;) {
      const page = await api('pull', {cursor: cursor});
      applyPage(data, page);
      cursor = page.cursor;
      data.cursor = cursor;
      // a cut first download goes on from here at the next sync
      if (page.full && page.more) await kvSet('staging', data);
      if (page.more) continue;
      if (page.doctor_count !== undefined && page.doctor_count !== data.doctors.length) {
        if (page.full) throw new Error('下载数据不完整，请重试');
        // the phone and the server disagree: download everything again
        await kvSet('staging', null);
        data = {doctors: [], calls: []}; cursor = null;
        continue;
      }
      break;
    }
    await kvSet('data', data);
    await kvSet('staging', null);
    return data;
  }

  // Sync: send the queue (one request, created in one batch), then
  // download what changed

  async function sync(quiet) {
    if (!state.session) return;
    if (state.syncing) {
      // a call saved during a sync goes with the next one, right after
      state.again = true;
      return;
    }
    state.again = false;
    if (!navigator.onLine) {
      if (!quiet) toast('当前离线，联网后自动同步');
      return;
    }
    state.syncing = true;
    render();
    try {
      const pending = state.queue.filter((q) => q.status === 'pending')
        .sort((a, b) => a.item.date.localeCompare(b.item.date));
      if (pending.length) {
        const result = await api('push', {
          items: pending.map((q) => q.item), sent_at: new Date().toISOString()});
        for (const r of result.results) {
          const entry = state.queue.find((q) => q.client_id === r.client_id);
          if (!entry) continue;
          if (r.status === 'created' || r.status === 'exists') {
            await queueDelete(entry.client_id);
          } else {
            entry.status = r.status;
            entry.message = r.message || '';
            entry.reason = r.reason || '';
            entry.server = r.server || null;
            await queuePut(entry);
          }
        }
      }
      const data = await download();
      data.synced_at = new Date().toISOString();
      state.data = data;
      state.lastSync = data.synced_at;
      await kvSet('lastSync', state.lastSync);
      state.queue = await queueAll();
      buildIndex();
      const problems = state.queue.filter((q) => q.status !== 'pending').length;
      if (!quiet || pending.length) {
        toast(problems ? '同步完成，' + problems + '条需要处理' : '同步完成');
      }
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) {
        state.session = null;
        await kvSet('session', null);
        toast('登录已过期，请重新登录；未同步的拜访仍保留在手机上');
      } else if (!quiet) {
        toast(error instanceof HttpError ? error.message : '网络不可用，稍后再试');
      }
    } finally {
      state.queue = await queueAll();
      state.syncing = false;
      render();
    }
    if (state.again && state.session) await sync(true);
  }

  // Views

  function setTitle(text) { $('#title').textContent = text; }
  function renderNet() {
    const net = $('#net');
    const online = navigator.onLine;
    net.textContent = state.syncing ? '同步中…' : (online ? '在线' : '离线');
    net.className = 'chip' + (online ? '' : ' off');
    const count = state.queue.length;
    const badge = $('#badge');
    badge.hidden = !count;
    badge.textContent = count;
  }

  function planCard(plan, overdue) {
    const d = doctor(plan.party);
    const queued = queuedFor(plan.id);
    const name = d ? d.name : plan.party_name;
    const where = d ? [d.hospital_name, d.department].filter(Boolean).join(' · ') : '';
    const tags = plan.products.map((p) => '<span class="tag">' + esc(shortProduct(p)) + '</span>').join('');
    const label = overdue ? (plan.followup ? '跟进 ' : '计划 ') + fmtDate(plan.date) : fmtTime(plan.date) + ' ' + (TYPES[plan.call_type] || '');
    return '<div class="card' + (queued ? ' done' : '') + '" data-plan="' + plan.id + '">' +
      '<div class="row"><div class="grow" data-open="' + plan.party + '">' +
      '<div class="name">' + esc(name) + (d && d.tier ? '<span class="tier ' + d.tier + '">' + d.tier + '</span>' : '') + '</div>' +
      '<div class="sub">' + esc(label) + (where ? ' · ' + esc(where) : '') + '</div>' +
      (plan.next_step ? '<div class="sub">下一步：' + esc(plan.next_step) + '</div>' : '') +
      '<div>' + tags + '</div></div>' +
      (queued ? '<span class="tag ok">已记录</span>' :
        '<button class="go" data-log="' + plan.party + '" data-plan-id="' + plan.id + '">记录拜访</button>') +
      '</div></div>';
  }

  function viewToday() {
    setTitle('今天 ' + fmtDay(localDay()));
    const today = localDay();
    const plans = state.data.plans;
    const todays = plans.filter((p) => p.day === today && p.own !== false);
    const overdue = plans.filter((p) => p.day < today);
    const later = plans.filter((p) => p.day > today);
    let html = '';
    const stale = state.lastSync && (Date.now() - new Date(state.lastSync).getTime()) > STALE_DAYS * 86400000;
    if (stale) html += '<div class="card checkin warn">数据已超过' + STALE_DAYS + '天未同步，请联网同步。</div>';
    html += '<h2>今日计划（' + todays.length + '）</h2>';
    html += todays.length ? todays.map((p) => planCard(p)).join('') : '<div class="card empty">今天没有计划拜访，可在“医生”中直接记录。</div>';
    if (overdue.length) {
      html += '<h2>逾期跟进（' + overdue.length + '）</h2>' + overdue.map((p) => planCard(p, true)).join('');
    }
    if (later.length) {
      html += '<details><summary>本周及下周计划（' + later.length + '）</summary>' +
        later.map((p) => planCard(p, true)).join('') + '</details>';
    }
    html += '<p class="sub" style="text-align:center">上次同步：' + esc(ago(state.lastSync)) + '</p>';
    return html;
  }

  function matches(d, q) {
    return !q || d._key.includes(q);
  }
  function viewDoctors() {
    setTitle('我的医生（' + state.data.doctors.length + '）');
    return '<div class="search"><input id="q" type="search" placeholder="姓名、拼音、首字母或医院" value="' + esc(state.search) + '" autocomplete="off"></div><div id="list"></div>';
  }
  function renderDoctorList() {
    const q = state.search.toLowerCase().replace(/\s+/g, '');
    const found = state.data.doctors.filter((d) => matches(d, q));
    const shown = found.slice(0, 60);
    const list = $('#list');
    if (!list) return;
    list.innerHTML = shown.length ? shown.map((d) =>
      '<div class="card row" data-open="' + d.id + '"><div class="grow">' +
      '<div class="name">' + esc(d.name) + (d.tier ? '<span class="tier ' + d.tier + '">' + d.tier + '</span>' : '') + '</div>' +
      '<div class="sub">' + esc([d.hospital_name, d.department, d.title].filter(Boolean).join(' · ')) + '</div></div>' +
      '<button class="go" data-log="' + d.id + '">记录</button></div>').join('') +
      (found.length > shown.length ? '<p class="sub" style="text-align:center">还有' + (found.length - shown.length) + '位，请输入更多字缩小范围</p>' : '')
      : '<div class="empty">没有找到医生</div>';
  }

  function viewDoctor(id) {
    const d = doctor(id);
    if (!d) {
      setTitle('医生');
      return '<div class="card empty">该医生不在您的负责范围内（下次同步后已移除）。</div>';
    }
    setTitle(d.name);
    const calls = lastCalls(id).slice(0, 3);
    const detailed = [];
    lastCalls(id).forEach((c) => (c.products || []).forEach((p) => { if (!detailed.includes(p)) detailed.push(p); }));
    const followups = state.data.plans.filter((p) => p.party === id);
    let html = '<div class="card"><div class="name">' + esc(d.name) +
      (d.tier ? '<span class="tier ' + d.tier + '">' + d.tier + '</span>' : '') + '</div>' +
      '<div class="sub">' + esc([d.title, d.position].filter(Boolean).join(' · ')) + '</div>' +
      '<div class="sub">' + esc([d.hospital_name, d.department].filter(Boolean).join(' · ')) + '</div>' +
      (d.best_time ? '<div class="sub">最佳拜访时间：' + esc(d.best_time) + '</div>' : '') +
      '<div style="margin-top:10px"><button class="primary big" data-log="' + d.id + '">记录拜访</button></div></div>';
    html += '<h2>已传递产品</h2><div class="card">' + (detailed.length ?
      detailed.map((p) => '<span class="tag">' + esc(productName(p)) + '</span>').join('') : '<span class="sub">暂无</span>') + '</div>';
    html += '<h2>待跟进（' + followups.length + '）</h2>' + (followups.length ?
      followups.map((p) => '<div class="card"><div class="name" style="font-size:15px">' + esc(fmtDate(p.date)) + ' ' + esc(TYPES[p.call_type] || '') +
        (p.followup ? ' <span class="tag warn">跟进</span>' : ' <span class="tag">计划</span>') + '</div>' +
        (p.next_step ? '<div class="sub">' + esc(p.next_step) + '</div>' : '') + '</div>').join('')
      : '<div class="card sub">暂无</div>');
    html += '<h2>最近拜访</h2>' + (calls.length ? calls.map((c) =>
      '<div class="card"><div class="row"><div class="grow"><b>' + esc(fmtDate(c.date)) + '</b> ' + esc(fmtTime(c.date) + ' ' + (TYPES[c.call_type] || '')) +
      (c.employee ? ' · ' + esc(c.employee) : '') + '</div>' + (c.local ? '<span class="tag warn">待同步</span>' : '') + '</div>' +
      '<div>' + (c.products || []).map((p) => '<span class="tag">' + esc(shortProduct(p)) + '</span>').join('') + '</div>' +
      (c.feedback ? '<div class="sub">反馈：' + esc(c.feedback) + '</div>' : '') +
      (c.next_step ? '<div class="sub">下一步：' + esc(c.next_step) + '</div>' : '') + '</div>').join('')
      : '<div class="card sub">暂无拜访记录</div>');
    return html;
  }

  const REASONS = {
    cancelled: '经理已取消该计划拜访', changed: '经理已修改该计划拜访', done: '该计划拜访已记录为完成',
    deleted: '该计划拜访已删除',
  };
  function viewQueue() {
    setTitle('同步');
    const q = state.queue.slice().sort((a, b) => a.item.date.localeCompare(b.item.date));
    let html = '<div class="card"><div class="row"><div class="grow"><div class="name" style="font-size:15px">待同步 ' + q.length + ' 条</div>' +
      '<div class="sub">上次同步：' + esc(ago(state.lastSync)) + '</div></div>' +
      '<button class="primary" id="sync"' + (state.syncing ? ' disabled' : '') + '>' + (state.syncing ? '同步中…' : '立即同步') + '</button></div></div>';
    if (!q.length) return html + '<div class="empty">所有拜访都已同步</div>';
    html += q.map((entry) => {
      const it = entry.item;
      const d = doctor(it.party);
      let status = '<span class="tag">待同步</span>';
      let extra = '';
      if (entry.status === 'refused') {
        status = '<span class="tag bad">被拒绝</span>';
        extra = '<div class="err">' + esc(entry.message) + '</div>' +
          '<div class="actions"><button data-edit="' + entry.client_id + '">修改后重试</button>' +
          '<button data-drop="' + entry.client_id + '">删除</button></div>';
      } else if (entry.status === 'conflict') {
        status = '<span class="tag warn">有冲突</span>';
        const s = entry.server;
        extra = '<div class="err">' + esc(REASONS[entry.reason] || entry.message) + '</div>' +
          (s ? '<div class="sub">服务器上的计划：' + esc(fmtDate(s.date)) + ' ' + esc(fmtTime(s.date)) + ' ' + esc(TYPES[s.call_type] || '') + '</div>' : '') +
          '<div class="actions">' +
          (entry.reason === 'changed' ? '<button class="primary" data-resolve="force" data-id="' + entry.client_id + '">按新计划记录</button>' : '') +
          '<button data-resolve="new" data-id="' + entry.client_id + '">记为计划外拜访</button>' +
          '<button data-drop="' + entry.client_id + '">放弃</button></div>';
      } else {
        extra = '<div class="actions"><button data-edit="' + entry.client_id + '">修改</button></div>';
      }
      return '<div class="card"><div class="row"><div class="grow"><div class="name">' + esc(d ? d.name : entry.party_name || '') + '</div>' +
        '<div class="sub">' + esc(fmtDate(it.date) + ' ' + fmtTime(it.date) + ' ' + (TYPES[it.call_type] || '')) + '</div></div>' + status + '</div>' +
        '<div>' + (it.products || []).map((p) => '<span class="tag">' + esc(shortProduct(p)) + '</span>').join('') + '</div>' +
        (it.feedback ? '<div class="sub">反馈：' + esc(it.feedback) + '</div>' : '') + extra + '</div>';
    }).join('');
    return html;
  }

  const PRIVACY = '<div class="notice"><p><b>个人信息保护说明</b></p>' +
    '<p>本应用仅在您开始一次面访（或协访）时获取<b>一次</b>手机定位，连同定位精度、手机时间一起随该拜访记录上传，用于核实拜访真实性；服务器会记录收到的时间，并与医院位置比对。</p>' +
    '<p>除此之外，本应用<b>不会</b>在任何其他时间获取或上传您的位置，不做轨迹跟踪。您可以拒绝定位，拜访仍可保存，但会被标记为“无定位”供经理核查。</p>' +
    '<p>手机上保存的医生和拜访数据仅限您负责的客户，退出登录时将从本机删除。依据《个人信息保护法》，您可以向公司的个人信息保护负责人查询、更正您的信息。</p></div>';

  function viewMe() {
    setTitle('我的');
    const u = state.data.user;
    return '<div class="card"><div class="name">' + esc(u.employee_name || u.name) + '</div>' +
      '<div class="sub">' + esc(u.company) + '</div>' +
      (u.supervisor_name ? '<div class="sub">直属经理：' + esc(u.supervisor_name) + '</div>' : '') +
      '<div class="sub">' + registrationHtml() + '</div></div>' +
      '<div class="card"><div class="sub">负责医生 ' + state.data.doctors.length + ' 位 · 医院 ' + state.data.hospitals.length +
      ' 家 · 计划 ' + state.data.plans.length + ' 条</div><div class="sub">上次同步：' + esc(ago(state.lastSync)) +
      '（可离线使用' + STALE_DAYS + '天）</div></div>' +
      '<div class="card">' + PRIVACY + '</div>' +
      '<button class="big" id="logout">退出登录</button>';
  }

  function viewLogin(error) {
    setTitle('拜访助手');
    return '<form class="login card" id="loginform"><div class="name">登录</div>' +
      '<label for="user">用户名</label><input id="user" autocomplete="username" autocapitalize="off" required>' +
      '<label for="password">密码</label><input id="password" type="password" autocomplete="current-password" required>' +
      (error ? '<div class="err">' + esc(error) + '</div>' : '') +
      '<div class="actions"><button class="primary big" type="submit">登录</button></div>' +
      '<p class="sub">使用与电脑端相同的账号。</p></form>' +
      '<div class="card">' + PRIVACY + '</div>';
  }

  // Log a call: one tap opens it (doctor, products prefilled, location
  // fix taken), a phrase is optional, one tap saves

  let draft = null;
  function openLog(partyId, planId, entry) {
    const d = doctor(partyId);
    if (!d) { toast('该医生不在您的负责范围内'); return; }
    let plan = planId ? state.index.plans.get(planId) : null;
    if (!plan && !entry) {
      // the doctor's planned call of today (else an overdue one) is the
      // one this visit completes
      const today = localDay();
      const open = state.data.plans.filter((p) => p.party === partyId && p.own !== false &&
        p.day <= today && !queuedFor(p.id));
      plan = open.find((p) => p.day === today) || open[open.length - 1] || null;
    }
    if (entry) {
      draft = JSON.parse(JSON.stringify(entry.item));
      draft._entry = entry.client_id;
    } else {
      draft = {
        client_id: uuid(), party: partyId, date: new Date().toISOString(),
        call_type: plan && plan.call_type !== 'department_meeting' ? plan.call_type : 'face_to_face',
        products: suggestProducts(partyId, plan), feedback: '', next_step: '', followup_date: '',
        samples: [], plan: plan ? plan.id : null, plan_version: plan ? plan.version : null,
        checkin: null, checkin_state: 'none',
      };
      if (draft.call_type === 'joint_visit') draft.joint_employee = state.data.user.supervisor;
      takeFix();
    }
    renderSheet();
  }
  function takeFix() {
    // one location fix at the start of a face-to-face call, never else
    if (!draft || !CHECKIN_TYPES.includes(draft.call_type) || draft.checkin || draft.checkin_state === 'asking') return;
    if (!navigator.geolocation) { draft.checkin_state = 'unavailable'; return; }
    draft.checkin_state = 'asking';
    const current = draft;
    navigator.geolocation.getCurrentPosition((pos) => {
      current.checkin = {
        lat: pos.coords.latitude, lng: pos.coords.longitude,
        accuracy: pos.coords.accuracy, time: new Date(pos.timestamp || Date.now()).toISOString(),
      };
      current.checkin_state = 'ok';
      if (draft === current) renderCheckin();
    }, (error) => {
      current.checkin_state = error.code === 1 ? 'denied' : 'unavailable';
      if (draft === current) renderCheckin();
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 0});
  }
  function distance(lat1, lng1, lat2, lng2) {
    const r = Math.PI / 180;
    const a = Math.sin((lat2 - lat1) * r / 2) ** 2 +
      Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin((lng2 - lng1) * r / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  function checkinText() {
    if (!draft || !CHECKIN_TYPES.includes(draft.call_type)) return ['', ''];
    const s = draft.checkin_state;
    if (s === 'asking') return ['正在获取本次拜访的签到定位…', ''];
    if (s === 'denied') return ['未允许定位：拜访仍可保存，将标记为“无定位”', 'warn'];
    if (s === 'unavailable' || (s === 'none' && !draft.checkin)) return ['未获得定位：拜访仍可保存，将标记为“无定位”', 'warn'];
    const c = draft.checkin;
    const d = doctor(draft.party);
    const h = d && state.index.hospitals.get(d.hospital);
    let text = '已签到定位（精度约' + Math.round(c.accuracy || 0) + '米）';
    let cls = '';
    if (h && h.lat != null) {
      const gap = Math.round(distance(h.lat, h.lng, c.lat, c.lng));
      const radius = state.data.config.radius || 500;
      text += '，距' + h.name + '约' + gap + '米';
      if (gap > radius) { text += '，超出' + radius + '米范围，将标记核查'; cls = 'warn'; }
    }
    return [text, cls];
  }
  function renderCheckin() {
    const el = $('#checkin');
    if (!el) return;
    const [text, cls] = checkinText();
    el.textContent = text;
    el.className = 'checkin' + (cls ? ' ' + cls : '');
    el.hidden = !text;
  }
  // what the rep shows the hospital's reception: the registration number
  // (备案号) and, when the hospital has one, its reception rule
  function registrationHtml() {
    const u = state.data.user;
    if (u.registration && u.registered) return '备案号：<b id="registration">' + esc(u.registration) + '</b>';
    return '<span id="registration">' + (u.registration ? '备案号 ' + esc(u.registration) + ' 未生效' : '未登记备案号') +
      '：医院可能不予接待，请联系经理办理备案</span>';
  }
  function receptionCard(d) {
    const h = d && state.index.hospitals.get(d.hospital);
    const u = state.data.user;
    let html = '<div class="checkin' + (u.registration && u.registered ? '' : ' warn') + '" id="reception">' + registrationHtml();
    if (h && h.reception) html += '<div class="sub">' + esc(h.name) + '接待时间：' + esc(h.reception) + '</div>';
    if (h && h.appointment) html += '<div class="sub">该医院需提前预约</div>';
    return html + '</div>';
  }
  function renderSheet() {
    const sheet = $('#sheet');
    if (!draft) { sheet.hidden = true; sheet.innerHTML = ''; return; }
    const d = doctor(draft.party);
    const u = state.data.user;
    const types = Object.keys(TYPES).filter((t) => t !== 'joint_visit' || u.supervisor);
    const local = new Date(draft.date);
    const localValue = new Date(local.getTime() - local.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    sheet.innerHTML = '<div role="dialog" aria-label="记录拜访"><div class="sheethead"><div class="name">' + esc(d.name) +
      (d.tier ? '<span class="tier ' + d.tier + '">' + d.tier + '</span>' : '') +
      '<div class="sub">' + esc([d.hospital_name, d.department].filter(Boolean).join(' · ')) + '</div></div>' +
      '<button id="close" aria-label="关闭">关闭</button></div>' +
      '<div id="checkin" class="checkin"></div>' +
      receptionCard(d) +
      '<label>拜访方式</label><div class="pick" id="types">' + types.map((t) =>
        '<button type="button" data-type="' + t + '" class="' + (draft.call_type === t ? 'on' : '') + '">' + TYPES[t] + '</button>').join('') + '</div>' +
      '<label>传递产品</label><div class="pick" id="products">' + state.data.products.map((p) =>
        '<button type="button" data-product="' + p.id + '" class="' + (draft.products.includes(p.id) ? 'on' : '') + '">' + esc(shortProduct(p.id)) + '</button>').join('') + '</div>' +
      '<label>医生反馈（可选）</label><div class="pick" id="phrases">' + state.data.phrases.map((ph, i) =>
        '<button type="button" data-phrase="' + i + '" class="' + (draft.feedback === ph ? 'on' : '') + '">' + esc(ph) + '</button>').join('') + '</div>' +
      '<textarea id="feedback" placeholder="或输入反馈">' + esc(draft.feedback) + '</textarea>' +
      '<details' + (draft.next_step || draft.followup_date || (draft.samples && draft.samples.length) ? ' open' : '') + '><summary>更多信息</summary>' +
      '<label for="when">拜访时间</label><input id="when" type="datetime-local" value="' + localValue + '">' +
      '<label for="next">下一步</label><input id="next" value="' + esc(draft.next_step) + '">' +
      '<label for="followup">跟进日期</label><input id="followup" type="date" value="' + esc(draft.followup_date || '') + '">' +
      '<label>样品</label><div class="row"><select id="sample_product"><option value="">不发样品</option>' + state.data.products.map((p) =>
        '<option value="' + p.id + '"' + (draft.samples[0] && draft.samples[0].product === p.id ? ' selected' : '') + '>' + esc(shortProduct(p.id)) + '</option>').join('') +
      '</select><input id="sample_qty" type="number" min="0" step="1" style="width:90px" placeholder="数量" value="' + esc(draft.samples[0] ? draft.samples[0].quantity : '') + '"></div>' +
      '</details>' +
      '<div class="actions"><button class="primary big" id="save">保存</button></div></div>';
    sheet.hidden = false;
    renderCheckin();
  }
  function readSheet() {
    draft.feedback = $('#feedback').value.trim();
    draft.next_step = $('#next').value.trim();
    draft.followup_date = $('#followup').value || '';
    const when = $('#when').value;
    if (when) {
      const date = new Date(when);
      if (!isNaN(date)) draft.date = date.toISOString();
    }
    const sp = Number($('#sample_product').value);
    const sq = Number($('#sample_qty').value);
    draft.samples = sp && sq > 0 ? [{product: sp, quantity: sq}] : [];
  }
  async function saveDraft() {
    readSheet();
    const item = Object.assign({}, draft);
    const previous = item._entry;
    delete item._entry;
    delete item.checkin_state;
    if (!CHECKIN_TYPES.includes(item.call_type)) item.checkin = null;
    if (item.call_type === 'joint_visit') item.joint_employee = state.data.user.supervisor;
    const d = doctor(item.party);
    const entry = {client_id: item.client_id, item: item, status: 'pending', party_name: d ? d.name : '',
      created_at: new Date().toISOString()};
    if (previous && previous !== item.client_id) await queueDelete(previous);
    await queuePut(entry);
    state.queue = await queueAll();
    draft = null;
    renderSheet();
    render();
    toast(navigator.onLine ? '已保存，正在同步' : '已保存在手机上，联网后自动同步');
    sync(true);
  }

  // Router

  function route() {
    const hash = location.hash.slice(1) || 'today';
    const [name, arg] = hash.split('/');
    return {name: name, arg: arg ? Number(arg) : null};
  }
  function render() {
    renderNet();
    const main = $('#main');
    const tabs = $('#tabs');
    if (!state.session || !state.data) {
      tabs.hidden = true;
      if (!state.session) {
        if (!$('#loginform')) main.innerHTML = viewLogin();
      } else {
        main.innerHTML = '<p class="loading">' + (navigator.onLine ? '正在下载您的数据…' : '首次使用需要联网下载数据') + '</p>';
      }
      return;
    }
    tabs.hidden = false;
    const r = route();
    $$('#tabs a').forEach((a) => a.classList.toggle('on', a.dataset.tab === r.name || (r.name === 'doctor' && a.dataset.tab === 'doctors')));
    if (r.name === 'doctors') {
      if (!$('#q')) main.innerHTML = viewDoctors();
      setTitle('我的医生（' + state.data.doctors.length + '）');
      renderDoctorList();
      return;
    }
    const views = {today: viewToday, doctor: () => viewDoctor(r.arg), queue: viewQueue, me: viewMe};
    main.innerHTML = (views[r.name] || viewToday)();
  }

  // Events (delegated)

  document.addEventListener('click', async (event) => {
    const t = event.target.closest('button, [data-open]');
    if (!t) return;
    if (t.dataset.log) {
      event.stopPropagation();
      openLog(Number(t.dataset.log), t.dataset.planId ? Number(t.dataset.planId) : null);
    } else if (t.dataset.open && !t.closest('#sheet')) {
      location.hash = 'doctor/' + t.dataset.open;
    } else if (t.id === 'close') {
      draft = null; renderSheet();
    } else if (t.id === 'save') {
      t.disabled = true;
      await saveDraft();
    } else if (t.dataset.type) {
      draft.call_type = t.dataset.type;
      $$('#types button').forEach((b) => b.classList.toggle('on', b === t));
      takeFix();
      renderCheckin();
    } else if (t.dataset.product) {
      const id = Number(t.dataset.product);
      const i = draft.products.indexOf(id);
      if (i >= 0) draft.products.splice(i, 1); else draft.products.push(id);
      t.classList.toggle('on', i < 0);
    } else if (t.dataset.phrase) {
      const text = state.data.phrases[Number(t.dataset.phrase)];
      const area = $('#feedback');
      area.value = area.value === text ? '' : text;
      $$('#phrases button').forEach((b) => b.classList.toggle('on', b === t && area.value === text));
    } else if (t.id === 'sync') {
      sync();
    } else if (t.dataset.edit) {
      const entry = state.queue.find((q) => q.client_id === t.dataset.edit);
      if (entry) openLog(entry.item.party, null, entry);
    } else if (t.dataset.drop) {
      if (confirm('确定删除这条未同步的拜访吗？')) {
        await queueDelete(t.dataset.drop);
        state.queue = await queueAll();
        render();
      }
    } else if (t.dataset.resolve) {
      const entry = state.queue.find((q) => q.client_id === t.dataset.id);
      if (!entry) return;
      entry.item.resolution = t.dataset.resolve;
      if (t.dataset.resolve === 'new') { entry.item.plan = null; entry.item.plan_version = null; }
      entry.status = 'pending';
      entry.message = '';
      await queuePut(entry);
      state.queue = await queueAll();
      render();
      sync();
    } else if (t.id === 'logout') {
      const pending = state.queue.length;
      if (pending && !confirm('还有' + pending + '条拜访未同步，退出将从手机删除。确定退出吗？')) return;
      try {
        if (navigator.onLine) {
          await fetch(BASE + '/rpc/', {method: 'POST', headers: {'Content-Type': 'application/json', 'Authorization': authHeader()},
            body: JSON.stringify({id: 1, method: 'common.db.logout', params: []})});
        }
      } catch (e) { /* offline: the session expires on the server */ }
      await clearAll();
      state.session = null; state.data = null; state.queue = []; state.lastSync = null;
      location.hash = '';
      render();
    }
  });
  document.addEventListener('input', (event) => {
    if (event.target.id === 'q') {
      state.search = event.target.value;
      renderDoctorList();
    }
  });
  document.addEventListener('submit', async (event) => {
    if (event.target.id !== 'loginform') return;
    event.preventDefault();
    const button = $('button', event.target);
    button.disabled = true;
    try {
      await login($('#user').value.trim(), $('#password').value);
      render();
      await sync(true);
      if (!state.data) {
        $('#main').innerHTML = viewLogin('下载数据失败，请检查网络后重试');
        state.session = null;
      }
    } catch (error) {
      $('#main').innerHTML = viewLogin(error.message || '登录失败');
    }
  });
  window.addEventListener('hashchange', () => { render(); window.scrollTo(0, 0); });
  window.addEventListener('online', () => { renderNet(); sync(true); });
  window.addEventListener('offline', renderNet);

  async function start() {
    if ('serviceWorker' in navigator) {
      navigator.serviceWorker.register('sw.js', {scope: './'}).catch(() => null);
    }
    try {
      state.session = await kvGet('session');
      state.data = await kvGet('data');
      state.lastSync = await kvGet('lastSync');
      state.queue = await queueAll();
    } catch (e) {
      state.session = null;
    }
    buildIndex();
    render();
    if (state.session && navigator.onLine) sync(true);
  }
  window.pharmaField = {state: state, sync: sync};
  start();
})();
