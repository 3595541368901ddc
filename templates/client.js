// Placeholder client: capability check only (the one-button client replaces it).
(function () {
  'use strict';
  var button = document.getElementById('auth');
  var status = document.getElementById('status');
  if (!button || !status) return;
  if (!window.PublicKeyCredential) {
    button.disabled = true;
    status.textContent = 'This browser does not support passkeys.';
  }
})();
