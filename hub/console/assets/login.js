// The login page: trades an API token for a session cookie (POST /api/v1/session) and goes to
// the console. A page that already has a session goes there at once.
'use strict';

const kConsole = '/#/overview';

function show(message) {
  document.getElementById('login-message').textContent = message;
}

async function errorText(response) {
  if (response.status === 401) return 'That token is unknown or was revoked.';
  if (response.status === 429) return 'Too many failed sign-ins from here: wait a minute and try again.';
  try {
    const body = await response.json();
    return body.error.message;
  } catch (_) {
    return 'The hub answered ' + response.status + '.';
  }
}

async function signIn(event) {
  event.preventDefault();
  const input = document.getElementById('token');
  const token = input.value.trim();
  if (token === '') {
    show('Enter your API token.');
    input.focus();
    return;
  }
  const button = event.target.querySelector('button');
  button.disabled = true;
  show('Signing in…');
  try {
    const response = await fetch('/api/v1/session', {
      method: 'POST',
      credentials: 'same-origin',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({token}),
    });
    if (response.ok) {
      window.location.assign(kConsole);
      return;
    }
    show(await errorText(response));
    input.select();
    input.focus();
  } catch (_) {
    show('The hub cannot be reached.');
  } finally {
    button.disabled = false;
  }
}

async function goIfSignedIn() {
  try {
    const response = await fetch('/api/v1/session', {credentials: 'same-origin'});
    if (response.ok) window.location.assign(kConsole);
  } catch (_) {
    // No hub, no session: the form stays.
  }
}

document.getElementById('login-form').addEventListener('submit', signIn);
goIfSignedIn();
