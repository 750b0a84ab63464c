// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add('js');

// On a phone the main navigation folds into a menu button (see app.css); the button says
// whether the menu is open.
document.addEventListener('DOMContentLoaded', function () {
  var nav = document.querySelector('.top nav');
  var button = document.querySelector('.menu-toggle');
  if (!nav || !button) return;
  button.addEventListener('click', function () {
    var open = nav.classList.toggle('open');
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
  });
});

// Forms marked data-progress show that a long task (checking or writing a large file) is
// running, and cannot be sent twice.
document.addEventListener('submit', function (event) {
  var form = event.target;
  if (!form.hasAttribute('data-progress')) return;
  var button = form.querySelector('button[type=submit]');
  if (button) {
    button.disabled = true;
  }
  var note = document.createElement('p');
  note.className = 'progress-note';
  note.setAttribute('role', 'status');
  var bar = document.createElement('progress');
  bar.setAttribute('aria-label', form.getAttribute('data-progress'));
  note.appendChild(bar);
  note.appendChild(document.createTextNode(' ' + form.getAttribute('data-progress')));
  form.appendChild(note);
});

// Dossier forms marked data-autosave save a draft a moment after each change, and show the
// new result; the "Lưu và chấm" button still works without this script.
(function () {
  var form = document.querySelector('form[data-autosave]');
  if (!form) return;
  var status = document.getElementById('luu-nhap');
  var result = document.getElementById('ket-qua');
  var timer = null;
  function save() {
    if (!navigator.onLine) {
      // Without network the form is saved on the device when sent (static/offline/offline.js).
      status.textContent = 'Không có mạng: bấm "Lưu và chấm" để lưu trên máy; dữ liệu tự gửi khi có mạng.';
      return;
    }
    status.textContent = 'Đang lưu nháp…';
    fetch(form.action, {
      method: 'POST',
      headers: { 'x-autosave': '1' },
      body: new URLSearchParams(new FormData(form)),
      credentials: 'same-origin'
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.ok) {
          var now = new Date();
          var hhmm = String(now.getHours()).padStart(2, '0') + ':' + String(now.getMinutes()).padStart(2, '0');
          status.textContent = 'Đã lưu nháp lúc ' + hhmm;
          if (result && body.summary) result.textContent = body.summary;
        } else {
          status.textContent = 'Chưa lưu được: ' + (body.errors || [body.error && body.error.message]).join('; ');
        }
      });
    }).catch(function () {
      status.textContent = 'Chưa lưu được (mất kết nối): bấm "Lưu và chấm" để lưu trên máy; dữ liệu tự gửi khi có mạng.';
    });
  }
  form.addEventListener('change', function () {
    clearTimeout(timer);
    timer = setTimeout(save, 800);
  });
})();
