// Offline entry (issue 18), progressive enhancement only: every page works without it.
//
// - Registers the service worker (/sw.js) that keeps the shell and the pages opened recently.
// - Without network, the forms of a registry record (/so/{sổ}/moi, /so/{sổ}/{id}), of a
//   dossier (/ho-so/{id}/luu), its evidence photos (/ho-so/{id}/minh-chung: made smaller on the
//   device, kept as a Blob) and of a learning centre's roll call (/hoc-tap/buoi/{id}/diem-danh)
//   are saved on the device: an outbox of typed changes in IndexedDB,
//   each with an idempotency key, the time it was made and the version of the record it was
//   based on. A line at the top of every page says how many wait: "Đã lưu trên máy, chưa gửi: 3".
// - When the network returns, the changes are sent in order to /api/v1/sync/changes; a change
//   refused as stale waits (and the ones after it) until the user has chosen, field by field,
//   between the two versions on /ngoai-tuyen.
// - A dossier's result is evaluated on the device (criteria.js, the domain's rules on the set
//   sent as data) while there is no network.
// - Signing out removes what is saved on the device, after a warning when some is unsent.
(function () {
  'use strict';
  if (!('indexedDB' in window) || !window.Promise) return;

  var DB_NAME = 'hoctap-offline';
  var signedIn = !!document.querySelector('form[action="/dang-xuat"]');

  if ('serviceWorker' in navigator && signedIn) {
    navigator.serviceWorker.register('/sw.js').catch(function () {});
  }

  // ---- is the server reachable? -------------------------------------------------------------------
  // navigator.onLine only says a network interface is up; a probe of /healthz says the server answers.
  var online = navigator.onLine;
  function probe() {
    var ctl = window.AbortController ? new AbortController() : null;
    var timer = ctl ? setTimeout(function () { ctl.abort(); }, 4000) : null;
    return fetch('/healthz', { cache: 'no-store', credentials: 'same-origin', signal: ctl ? ctl.signal : undefined })
      .then(function (r) { online = r.ok; }, function () { online = false; })
      .then(function () { if (timer) clearTimeout(timer); return online; });
  }

  // ---- IndexedDB ------------------------------------------------------------------------------
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          var d = req.result;
          // Changes waiting to be sent, in the order they were made.
          d.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
          // Records and dossiers as last read from the server: version, fields, set.
          d.createObjectStore('opened', { keyPath: 'path' });
          // Criteria sets as data, by "id@version".
          d.createObjectStore('sets', { keyPath: 'key' });
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }
  function run(store, mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(store, mode);
        var out = fn(t.objectStore(store));
        t.oncomplete = function () { resolve(out instanceof IDBRequest ? out.result : out); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }
  function getAll(store) { return run(store, 'readonly', function (s) { return s.getAll(); }); }
  function get(store, key) { return run(store, 'readonly', function (s) { return s.get(key); }); }
  function put(store, value) { return run(store, 'readwrite', function (s) { return s.put(value); }); }
  function del(store, key) { return run(store, 'readwrite', function (s) { return s.delete(key); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x < 16 ? '0' : '') + x.toString(16); }).join('');
  }

  // ---- what a form is ---------------------------------------------------------------------------
  // The typed changes the outbox holds; each kind is one form of the server (hoctap_app::sync::KINDS).
  function kindOf(form) {
    var path = new URL(form.getAttribute('action') || '', location.href).pathname;
    var m;
    if ((m = /^\/so\/([a-z0-9-]+)\/moi$/.exec(path))) return { kind: 'registry.create', registry: m[1], id: null, opened: null };
    if ((m = /^\/so\/([a-z0-9-]+)\/(\d+)$/.exec(path))) return { kind: 'registry.update', registry: m[1], id: +m[2], opened: '/so/' + m[1] + '/' + m[2] };
    if ((m = /^\/ho-so\/(\d+)\/luu$/.exec(path))) return { kind: 'assessment.answers', registry: null, id: +m[1], opened: '/ho-so/' + m[1] };
    // A learning centre's roll call: every learner's box, based on the roll as it was opened.
    if ((m = /^\/hoc-tap\/buoi\/(\d+)\/diem-danh$/.exec(path))) return { kind: 'attendance.roll_call', registry: null, id: +m[1], opened: path };
    // An evidence photo adds a file and overwrites nothing: no version to keep.
    if ((m = /^\/ho-so\/(\d+)\/minh-chung$/.exec(path))) return { kind: 'assessment.evidence', registry: null, id: +m[1], opened: null };
    return null;
  }
  function fieldsOf(form) {
    var out = {};
    new FormData(form).forEach(function (v, k) { if (k !== 'csrf' && typeof v === 'string') out[k] = v; });
    return out;
  }
  function editForm() {
    var forms = document.querySelectorAll('form[method="post"]');
    for (var i = 0; i < forms.length; i++) { var k = kindOf(forms[i]); if (k && k.kind !== 'assessment.evidence') return { form: forms[i], k: k }; }
    return null;
  }

  // ---- the line at the top of every page ----------------------------------------------------------
  function banner() {
    if (!signedIn) return Promise.resolve();
    return getAll('outbox').then(function (items) {
      var main = document.getElementById('noi-dung');
      if (!main) return;
      var el = document.getElementById('tren-may');
      if (!el) {
        el = document.createElement('p');
        el.id = 'tren-may';
        el.className = 'offline-note';
        el.setAttribute('role', 'status');
        main.insertBefore(el, main.firstChild);
      }
      var waiting = items.filter(function (i) { return i.status !== 'pending'; }).length;
      var text = '';
      if (items.length) {
        text = 'Đã lưu trên máy, chưa gửi: ' + items.length + (waiting ? ' (' + waiting + ' cần bạn xem lại)' : '');
      } else if (!online) {
        text = 'Không có mạng: biểu mẫu hộ gia đình, công dân, phiếu đánh giá, ảnh minh chứng và điểm danh sẽ được lưu trên máy.';
      }
      el.textContent = text;
      el.hidden = !text;
      if (items.length) {
        var a = document.createElement('a');
        a.href = '/ngoai-tuyen';
        a.textContent = 'Xem dữ liệu trên máy';
        el.appendChild(document.createTextNode(' · '));
        el.appendChild(a);
      }
      if (document.querySelector('[data-offline-page]')) renderOfflinePage(items);
    });
  }

  // ---- remembering what was opened (version, fields, set) -------------------------------------------
  function remember() {
    var found = editForm();
    if (!found || !found.k.opened || !online) return Promise.resolve();
    var k = found.k;
    var api = k.kind === 'assessment.answers' ? '/api/v1/sync/assessments/' + k.id
      : k.kind === 'attendance.roll_call' ? '/api/v1/sync/roll-calls/' + k.id
      : '/api/v1/sync/registries/' + k.registry + '/' + k.id;
    return fetch(api, { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.json() : null; }).then(function (v) {
      if (!v) return;
      var entry = { path: k.opened, version: v.version, fields: v.fields, labels: v.labels, set_id: v.set_id, set_version: v.set_version, evaluated_on: v.evaluated_on, previous: v.previous || [] };
      // The set first: a dossier remembered is one the device can evaluate.
      var set = Promise.resolve();
      if (v.set_id) {
        var key = v.set_id + '@' + v.set_version;
        set = get('sets', key).then(function (have) {
          if (have) return;
          return fetch('/api/v1/criteria-sets/' + encodeURIComponent(v.set_id) + '?version=' + encodeURIComponent(v.set_version), { credentials: 'same-origin' })
            .then(function (r) { return r.ok ? r.json() : null; })
            .then(function (body) { if (body) return put('sets', { key: key, set: body }); });
        });
      }
      return set.then(function () { return put('opened', entry); });
    }).catch(function () {});
  }
  // The account signed in on this device, kept so that each change carries its author and is
  // only ever sent in that account's session.
  function whoAmI() {
    return fetch('/api/v1/session', { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s && s.user) return put('opened', { path: '__me', username: s.user.username }); })
      .catch(function () {});
  }

  // ---- saving a form on the device ---------------------------------------------------------------
  function label(k, fields) {
    var h1 = document.querySelector('h1');
    var name = fields.head_name || fields.full_name || fields.name || fields.code || '';
    if (k.kind === 'registry.create') return 'Thêm mới: ' + (name || 'bản ghi') + ' (' + k.registry + ')';
    if (k.kind === 'attendance.roll_call') return 'Điểm danh: ' + (h1 ? h1.textContent.trim() : location.pathname);
    if (k.kind === 'assessment.evidence') return 'Ảnh minh chứng: ' + (fields.title || '') + (h1 ? ' – ' + h1.textContent.trim() : '');
    return (h1 ? h1.textContent.trim() : location.pathname) + (name ? ' – ' + name : '');
  }
  function queue(k, form, photo) {
    var fields = fieldsOf(form);
    var opened = k.opened ? get('opened', k.opened) : Promise.resolve(null);
    var me = get('opened', '__me');
    return Promise.all([opened, me]).then(function (both) {
      var o = both[0], author = both[1] ? both[1].username : null;
      return getAll('outbox').then(function (items) {
        var base = o ? o.version : null;
        // A second change of the same record before sending replaces the first one's fields.
        var same = k.kind !== 'registry.create' && k.kind !== 'assessment.evidence' && items.filter(function (i) {
          return i.kind === k.kind && i.id === k.id && i.registry === k.registry && i.status === 'pending';
        })[0];
        var entry = same || { key: newKey(), kind: k.kind, registry: k.registry, id: k.id, base_version: base, status: 'pending', user: author };
        if (same) entry.key = newKey();
        entry.fields = fields;
        if (photo) entry.photo = photo;
        entry.device_time = new Date().toISOString();
        entry.label = label(k, fields);
        entry.path = location.pathname;
        return put('outbox', entry);
      });
    });
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var action = new URL(form.getAttribute('action') || '', location.href).pathname;
    if (action === '/dang-xuat') { signOut(event, form); return; }
    var k = kindOf(form);
    if (!k) return;
    if (form.dataset.online === '1') { delete form.dataset.online; return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    var submitter = event.submitter || null;
    if (k.kind === 'assessment.evidence') { evidence(k, form, submitter); return; }
    // Sent to the server as usual when it answers; saved on the device when it does not.
    probe().then(function (up) {
      if (up) {
        form.dataset.online = '1';
        if (form.requestSubmit) form.requestSubmit(submitter); else HTMLFormElement.prototype.submit.call(form);
        return;
      }
      return saveHere(k, form);
    });
  }, true);

  function saveHere(k, form) {
    return queue(k, form).then(function () {
      if (k.kind === 'registry.create') form.reset();
      note(form, 'Đã lưu trên máy, chưa gửi. Dữ liệu sẽ tự gửi khi có mạng.');
      return banner();
    }).catch(function () {
      note(form, 'Không lưu được trên máy (bộ nhớ trình duyệt bị chặn hoặc đầy).');
    });
  }

  // ---- evidence photos: made smaller on the device -------------------------------------------------
  // A photo from the phone's camera (often 4000 px, 3–8 MB) is redrawn at most PHOTO_SIDE px on its
  // long side as JPEG: sent at once when the server answers, kept in the outbox (a Blob in
  // IndexedDB) when it does not. Other files (PDF, Word, Excel) go as they are, online only.
  var PHOTO_SIDE = 1600, PHOTO_QUALITY = 0.8;
  function chosenFile(form) {
    var inputs = form.querySelectorAll('input[type=file]');
    for (var i = 0; i < inputs.length; i++) if (inputs[i].files && inputs[i].files.length) return { input: inputs[i], file: inputs[i].files[0] };
    return null;
  }
  function isPhoto(file) { return /^image\/(jpeg|png|webp|heic|heif|gif|bmp)$/i.test(file.type || '') || /\.(jpe?g|png|webp|heic|heif)$/i.test(file.name || ''); }
  // Decoded with createImageBitmap (the pages' policy allows no blob: images), EXIF rotation applied.
  function compress(file) {
    if (!window.createImageBitmap) return Promise.reject(new Error('createImageBitmap'));
    return createImageBitmap(file, { imageOrientation: 'from-image' }).then(function (img) {
      return new Promise(function (resolve, reject) {
        var w = img.width, h = img.height, scale = Math.min(1, PHOTO_SIDE / Math.max(w, h));
        var canvas = document.createElement('canvas');
        canvas.width = Math.max(1, Math.round(w * scale));
        canvas.height = Math.max(1, Math.round(h * scale));
        var ctx = canvas.getContext('2d');
        // JPEG has no transparency: a white page under it.
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
        if (img.close) img.close();
        canvas.toBlob(function (blob) {
          if (!blob) { reject(new Error('toBlob')); return; }
          // A small JPEG or PNG already is kept as it was.
          if (blob.size >= file.size && /^image\/(jpeg|png)$/.test(file.type)) { resolve({ blob: file, name: file.name }); return; }
          resolve({ blob: blob, name: (file.name || 'anh').replace(/\.[A-Za-z0-9]+$/, '') + '.jpg' });
        }, 'image/jpeg', PHOTO_QUALITY);
      });
    });
  }
  function evidence(k, form, submitter) {
    var chosen = chosenFile(form);
    var photo = chosen && isPhoto(chosen.file) ? compress(chosen.file).catch(function () { return null; }) : Promise.resolve(null);
    Promise.all([probe(), photo]).then(function (both) {
      var up = both[0], small = both[1];
      if (up) {
        // The smaller photo replaces the chosen file in the form, which is then sent as usual.
        if (small && window.DataTransfer && window.File) {
          try {
            var dt = new DataTransfer();
            dt.items.add(new File([small.blob], small.name, { type: small.blob.type || 'image/jpeg' }));
            chosen.input.files = dt.files;
          } catch (e) { /* the original file goes */ }
        }
        form.dataset.online = '1';
        if (form.requestSubmit) form.requestSubmit(submitter); else HTMLFormElement.prototype.submit.call(form);
        return;
      }
      var f = fieldsOf(form);
      if (!chosen) { note(form, 'Chưa chọn ảnh minh chứng.'); return; }
      if (!small) { note(form, 'Không có mạng: chỉ ảnh chụp được lưu trên máy; tệp này hãy tải lên khi có mạng.'); return; }
      if (!(f.title || '').trim()) { note(form, 'Tên minh chứng: hãy ghi tên minh chứng.'); return; }
      if (!Object.keys(f).some(function (n) { return n.indexOf('ct:') === 0; })) { note(form, 'Chứng minh cho chỉ tiêu: hãy chọn ít nhất một chỉ tiêu.'); return; }
      return queue(k, form, { name: small.name, type: small.blob.type || 'image/jpeg', blob: small.blob }).then(function () {
        form.reset();
        note(form, 'Đã lưu ảnh trên máy, chưa gửi. Ảnh sẽ tự gửi khi có mạng.');
        return banner();
      }).catch(function () {
        note(form, 'Không lưu được trên máy (bộ nhớ trình duyệt bị chặn hoặc đầy).');
      });
    });
  }
  function base64Of(blob) {
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () { resolve(String(r.result).split(',')[1] || ''); };
      r.onerror = function () { reject(r.error); };
      r.readAsDataURL(blob);
    });
  }

  function note(form, text) {
    var el = form.querySelector('.offline-saved');
    if (!el) {
      el = document.createElement('p');
      el.className = 'offline-saved success';
      el.setAttribute('role', 'status');
      form.insertBefore(el, form.firstChild);
    }
    el.textContent = text;
  }

  // A form reopened without network shows the change still waiting on the device.
  function restore() {
    var found = editForm();
    if (!found || !found.k.opened) return Promise.resolve();
    return getAll('outbox').then(function (items) {
      var k = found.k;
      var mine = items.filter(function (i) { return i.kind === k.kind && i.id === k.id && i.registry === k.registry; }).pop();
      if (!mine) return;
      // A box not in the saved fields was left unticked.
      Array.prototype.forEach.call(found.form.querySelectorAll('input[type=checkbox]'), function (box) {
        if (box.name && !box.disabled) box.checked = !!mine.fields[box.name];
      });
      Object.keys(mine.fields).forEach(function (name) {
        var el = found.form.elements.namedItem(name);
        if (el && el.type !== 'checkbox' && 'value' in el && !el.disabled && !el.readOnly) el.value = mine.fields[name];
      });
      note(found.form, 'Biểu mẫu đang hiện thay đổi đã lưu trên máy, chưa gửi.');
    });
  }

  // ---- the dossier's result on the device ----------------------------------------------------------
  function evaluateHere() {
    var found = editForm();
    if (!found || found.k.kind !== 'assessment.answers' || !window.HoctapCriteria && !loadCriteria()) return;
    var out = document.getElementById('ket-qua');
    if (!out) return;
    get('opened', found.k.opened).then(function (o) {
      if (!o || !o.set_id) return null;
      return get('sets', o.set_id + '@' + o.set_version).then(function (s) { return s ? { o: o, set: s.set } : null; });
    }).then(function (x) {
      if (!window.HoctapCriteria) return;
      if (!x) { out.textContent = 'Chưa chấm được trên máy: hãy mở hồ sơ này một lần khi có mạng để máy giữ bộ tiêu chí.'; return; }
      var f = fieldsOf(found.form), answers = {}, data = {};
      Object.keys(f).forEach(function (name) {
        var v = f[name].trim();
        if (!v) return;
        if (name.indexOf('a:') === 0) {
          var id = name.slice(2), ind = null;
          x.set.criteria.forEach(function (c) { c.indicators.forEach(function (i) { if (i.id === id) ind = i; }); });
          if (!ind) return;
          if (ind.kind === 'yes_no') answers[id] = v === '1' || v === 'true' || v === 'dat';
          else { var n = Number(v.replace(',', '.')); if (!isNaN(n)) answers[id] = n; }
        } else if (name.indexOf('d:') === 0) {
          var d = Number(v.replace(',', '.'));
          if (!isNaN(d)) data[name.slice(2)] = d;
        }
      });
      var r = window.HoctapCriteria.evaluate(x.set, { answers: answers, data: data, previous: x.o.previous || [] }, x.o.evaluated_on);
      out.textContent = r.ok ? r.evaluation.summary + ' (chấm trên máy, chưa gửi)'
        : 'Chưa chấm được trên máy: còn ' + r.errors.length + ' mục thiếu hoặc chưa hợp lệ';
    }).catch(function (e) { if (window.console) console.warn('hoctap: chấm trên máy', e); });
  }
  function loadCriteria() {
    if (document.getElementById('hoctap-criteria')) return false;
    var s = document.createElement('script');
    s.id = 'hoctap-criteria';
    s.src = '/static/offline/criteria.js';
    s.onload = evaluateHere;
    document.head.appendChild(s);
    return false;
  }
  document.addEventListener('change', function (event) {
    if (online) return;
    var form = event.target && event.target.form;
    if (form && kindOf(form) && kindOf(form).kind === 'assessment.answers') evaluateHere();
  });

  // ---- sending, in order ----------------------------------------------------------------------------
  var syncing = false;
  function sync() {
    if (syncing || !online || !signedIn) return Promise.resolve();
    syncing = true;
    return getAll('outbox').then(function (items) {
      if (!items.length) return;
      return fetch('/api/v1/session', { credentials: 'same-origin' }).then(function (r) {
        if (!r.ok) throw new Error('session');
        return r.json();
      }).then(function (s) {
        // Only the signed-in account's own changes travel in its session.
        var mine = items.filter(function (i) { return !i.user || i.user === s.user.username; });
        return sendFrom(mine.sort(function (a, b) { return a.seq - b.seq; }), 0, s.csrf_token);
      });
    }).catch(function () {}).then(function () { syncing = false; return banner(); });
  }
  function sendFrom(items, i, csrf) {
    var e = items[i];
    // In order: a change that waits for the user holds back the ones made after it.
    if (!e || e.status !== 'pending') return Promise.resolve();
    var body = { key: e.key, kind: e.kind, device_time: e.device_time, base_version: e.base_version, registry: e.registry, id: e.id, fields: e.fields };
    var withPhoto = e.photo ? base64Of(e.photo.blob).then(function (data) { body.photo = { name: e.photo.name, data: data }; }) : Promise.resolve();
    return withPhoto.then(function () {
      return fetch('/api/v1/sync/changes', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify(body)
      });
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (answer) {
        if (r.ok) {
          var v = answer.outcome && answer.outcome.version;
          // Later changes of the same record were based on the version this one replaced.
          var later = items.slice(i + 1).filter(function (x) { return x.kind === e.kind && x.id === e.id && x.registry === e.registry && x.base_version === e.base_version; });
          return del('outbox', e.seq).then(function () {
            return Promise.all(later.map(function (x) { x.base_version = v; return put('outbox', x); }));
          }).then(function () { return sendFrom(items, i + 1, csrf); });
        }
        if (r.status >= 500 || r.status === 401) return null;
        e.status = r.status === 409 && answer.server ? 'conflict' : 'refused';
        e.server = answer.server || null;
        e.message = answer.error ? answer.error.message : 'Máy chủ không nhận thay đổi (' + r.status + ')';
        return put('outbox', e);
      });
    });
  }

  // ---- /ngoai-tuyen: what is on the device, and the choice between two versions --------------------
  function renderOfflinePage(items) {
    var root = document.querySelector('[data-offline-page]');
    if (!root) return;
    root.textContent = '';
    var h = document.createElement('h2');
    h.textContent = items.length ? 'Thay đổi chưa gửi (' + items.length + ')' : 'Không có thay đổi nào chờ gửi';
    root.appendChild(h);
    items.sort(function (a, b) { return a.seq - b.seq; }).forEach(function (e) {
      var box = document.createElement('section');
      box.className = 'offline-change';
      var t = document.createElement('h3');
      t.textContent = e.label;
      box.appendChild(t);
      var p = document.createElement('p');
      var when = new Date(e.device_time);
      p.textContent = 'Lưu trên máy lúc ' + when.toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' }) + ' · ' +
        (e.status === 'pending' ? 'Chờ gửi' : e.status === 'conflict' ? 'Cần chọn giữa hai bản' : 'Máy chủ không nhận: ' + e.message);
      box.appendChild(p);
      if (e.status === 'conflict' && e.server) box.appendChild(conflictForm(e));
      if (e.status !== 'pending') {
        var drop = document.createElement('button');
        drop.type = 'button';
        drop.className = 'secondary';
        drop.textContent = 'Bỏ thay đổi này';
        drop.addEventListener('click', function () {
          if (window.confirm('Bỏ thay đổi "' + e.label + '" khỏi máy này? Thay đổi sẽ không được gửi.')) del('outbox', e.seq).then(banner).then(sync);
        });
        box.appendChild(drop);
      }
      root.appendChild(box);
    });
  }

  // A value as the choice shows it: a roll call's boxes read "Có mặt" / "Vắng".
  function shown(e, v) {
    if (e.kind === 'attendance.roll_call') return v ? 'Có mặt' : 'Vắng';
    return v === '' ? '(trống)' : v;
  }

  function conflictForm(e) {
    var form = document.createElement('form');
    form.className = 'conflict';
    var intro = document.createElement('p');
    intro.textContent = e.message;
    form.appendChild(intro);
    var table = document.createElement('table');
    table.className = 'table';
    var caption = document.createElement('caption');
    caption.textContent = 'Chọn bản giữ lại cho từng trường khác nhau';
    table.appendChild(caption);
    var head = table.insertRow();
    ['Trường', 'Bản trên máy này', 'Bản trên máy chủ'].forEach(function (x) { var th = document.createElement('th'); th.scope = 'col'; th.textContent = x; head.appendChild(th); });
    var server = e.server.fields || {}, labels = e.server.labels || {};
    var names = Object.keys(e.fields).concat(Object.keys(server)).filter(function (n, i, all) { return all.indexOf(n) === i; });
    var differing = names.filter(function (n) { return (e.fields[n] || '') !== (server[n] || ''); });
    differing.forEach(function (n, idx) {
      var row = table.insertRow();
      var th = document.createElement('th');
      th.scope = 'row';
      th.textContent = labels[n] || n;
      row.appendChild(th);
      [['mine', e.fields[n] || ''], ['server', server[n] || '']].forEach(function (choice, ci) {
        var td = row.insertCell();
        var id = 'chon-' + e.seq + '-' + idx + '-' + choice[0];
        var input = document.createElement('input');
        input.type = 'radio';
        input.name = 'f' + idx;
        input.value = choice[0];
        input.id = id;
        input.checked = ci === 0;
        input.dataset.field = n;
        var lab = document.createElement('label');
        lab.htmlFor = id;
        lab.textContent = shown(e, choice[1]);
        td.appendChild(input);
        td.appendChild(document.createTextNode(' '));
        td.appendChild(lab);
      });
    });
    form.appendChild(table);
    var send = document.createElement('button');
    send.type = 'submit';
    send.textContent = 'Gửi bản đã chọn';
    form.appendChild(send);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var chosen = {};
      Object.keys(server).forEach(function (n) { chosen[n] = server[n]; });
      Object.keys(e.fields).forEach(function (n) { if (!(n in chosen)) chosen[n] = e.fields[n]; });
      differing.forEach(function (n, idx) {
        var pickMine = form.querySelector('input[name="f' + idx + '"][value="mine"]').checked;
        chosen[n] = pickMine ? (e.fields[n] || '') : (server[n] || '');
      });
      // The choice is a new change, based on the server's version.
      e.fields = chosen;
      e.base_version = e.server.version;
      e.key = newKey();
      e.device_time = new Date().toISOString();
      e.status = 'pending';
      delete e.server;
      delete e.message;
      put('outbox', e).then(sync);
    });
    return form;
  }

  // ---- signing out on a shared device -----------------------------------------------------------------
  function signOut(event, form) {
    if (form.dataset.cleared === '1') return;
    event.preventDefault();
    event.stopImmediatePropagation();
    getAll('outbox').catch(function () { return []; }).then(function (items) {
      if (items.length && !window.confirm('Còn ' + items.length + ' thay đổi lưu trên máy này chưa gửi lên máy chủ. Đăng xuất sẽ xóa chúng khỏi máy. Vẫn đăng xuất?')) return;
      return forget().then(function () {
        form.dataset.cleared = '1';
        HTMLFormElement.prototype.submit.call(form);
      });
    });
  }
  function forget() {
    var jobs = [];
    jobs.push(db().then(function (d) { d.close(); dbPromise = null; }).catch(function () {}).then(function () {
      return new Promise(function (resolve) {
        var req = indexedDB.deleteDatabase(DB_NAME);
        req.onsuccess = req.onerror = req.onblocked = function () { resolve(); };
      });
    }));
    if (window.caches) jobs.push(caches.keys().then(function (keys) { return Promise.all(keys.map(function (k) { return caches.delete(k); })); }));
    return Promise.all(jobs);
  }

  // The service worker keeps the field forms for this user (once each, in this session), so a new
  // household or citizen can be recorded without network even where the form was never opened.
  function warm() {
    if (!('serviceWorker' in navigator)) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.active) reg.active.postMessage({ type: 'warm' });
    }).catch(function () {});
  }

  // ---- start --------------------------------------------------------------------------------------
  function start() {
    if (!signedIn) {
      // Signed out (session ended elsewhere): nothing of the last user stays readable.
      return;
    }
    probe().then(function (up) { if (up) warm(); return up ? whoAmI().then(remember) : restore().then(evaluateHere); }).then(banner).then(sync);
    window.addEventListener('online', function () { probe().then(banner).then(sync); });
    window.addEventListener('offline', function () { online = false; banner(); });
    // While something waits or the server is out of reach, look again every few seconds.
    setInterval(function () {
      getAll('outbox').then(function (items) {
        if (!items.length && online) return;
        var was = online;
        return probe().then(function (up) { if (up !== was) banner(); if (up) return sync(); });
      }).catch(function () {});
    }, 5000);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();

  // For tests and the offline page's own use.
  window.HoctapOffline = { state: function () { return { online: online }; }, sync: sync, count: function () { return getAll('outbox').then(function (i) { return i.length; }); } };
})();
