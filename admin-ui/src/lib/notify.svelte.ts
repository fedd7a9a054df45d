// Sound and desktop notifications for a new ticket or customer message while the inbox tab is
// hidden. Each agent switches them on or off for this browser.
import { saved } from "./storage";

type Prefs = { sound: boolean; desktop: boolean };
export type Alert = { title: string; body: string; tag: string; onOpen: () => void };

/** At most one chime in this window, however many changes arrive together (a catch-up, say). */
const CHIME_GAP_MS = 2_000;

class Notifier {
  sound = $state(true);
  desktop = $state(true);
  permission = $state<NotificationPermission>(typeof Notification === "undefined" ? "denied" : Notification.permission);
  private audio: AudioContext | null = null;
  private lastChime = 0;

  constructor() {
    const prefs = saved.read<Prefs>("notifications");
    if (prefs) ({ sound: this.sound, desktop: this.desktop } = prefs);
  }

  setSound(on: boolean): void {
    this.sound = on;
    this.save();
    // A click is the user gesture browsers want before a page may play sound.
    if (on) void this.context()?.resume();
  }

  async setDesktop(on: boolean): Promise<void> {
    this.desktop = on;
    this.save();
    if (on && this.permission === "default") this.permission = await Notification.requestPermission();
  }

  notify(alert: Alert): void {
    if (document.visibilityState !== "hidden") return;
    if (this.sound) this.chime();
    if (this.desktop && this.permission === "granted") {
      const notification = new Notification(alert.title, { body: alert.body, tag: alert.tag });
      notification.onclick = () => {
        focus();
        alert.onOpen();
        notification.close();
      };
    }
  }

  private save(): void {
    saved.write("notifications", { sound: this.sound, desktop: this.desktop } satisfies Prefs);
  }

  private context(): AudioContext | null {
    if (!this.audio && typeof AudioContext !== "undefined") this.audio = new AudioContext();
    return this.audio;
  }

  /** Two short rising tones, made on the spot: no sound file to download. */
  private chime(): void {
    const now = Date.now();
    const audio = this.context();
    if (!audio || now - this.lastChime < CHIME_GAP_MS) return;
    this.lastChime = now;
    void audio.resume();
    for (const [offset, frequency] of [
      [0, 660],
      [0.12, 880],
    ] as const) {
      const start = audio.currentTime + offset;
      const tone = audio.createOscillator();
      const volume = audio.createGain();
      tone.frequency.value = frequency;
      volume.gain.setValueAtTime(0.15, start);
      volume.gain.exponentialRampToValueAtTime(0.001, start + 0.25);
      tone.connect(volume).connect(audio.destination);
      tone.start(start);
      tone.stop(start + 0.25);
    }
  }
}

export const notifier = new Notifier();
