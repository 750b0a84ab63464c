// Progressive enhancement only: every page works without this file.
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
