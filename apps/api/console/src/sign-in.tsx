/** Sign-in: the identity's name (optional) and token, exchanged for a session cookie. */
import { useState } from 'preact/hooks';
import { api, ApiFailure, type Session } from './api.js';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [name, setName] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await api.signIn(name.trim(), token));
    } catch (err) {
      setError(err instanceof ApiFailure ? err.message : 'The API did not answer; is it running?');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <h1>Lexbridge intake console</h1>
      <p>Sign in with your API identity: its name and the token your administrator gave you.</p>
      <form onSubmit={(e) => void submit(e)}>
        <label for="name">Name</label>
        <input id="name" name="name" autocomplete="username" value={name} onInput={(e) => setName(e.currentTarget.value)} aria-describedby="name-hint" />
        <p id="name-hint" class="hint">Optional: the token alone identifies you.</p>
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
