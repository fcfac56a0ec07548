// What the windows may do: permissions, network requests, where the customer display goes.
import { describe, expect, it } from 'vitest';
import { allowPermission, allowPermissionCheck, allowRequest, customerDisplay, secureWebPreferences } from './windows.js';

const APP = 'app://tally/index.html#/cashier';

describe('window policy', () => {
  it('grants the camera (video only) to the app’s top frame, and nothing else', () => {
    expect(allowPermission({ permission: 'media', requestingUrl: APP, mediaTypes: ['video'], isMainFrame: true })).toBe(true);
    expect(allowPermission({ permission: 'media', requestingUrl: APP, mediaTypes: ['video', 'audio'], isMainFrame: true })).toBe(false);
    expect(allowPermission({ permission: 'media', requestingUrl: APP, mediaTypes: ['audio'], isMainFrame: true })).toBe(false);
    expect(allowPermission({ permission: 'media', requestingUrl: APP, mediaTypes: [], isMainFrame: true })).toBe(false);
    expect(allowPermission({ permission: 'media', requestingUrl: APP, mediaTypes: ['video'], isMainFrame: false })).toBe(false);
    expect(allowPermission({ permission: 'media', requestingUrl: 'https://example.com/', mediaTypes: ['video'], isMainFrame: true })).toBe(false);
    for (const permission of ['geolocation', 'notifications', 'openExternal', 'hid', 'serial', 'usb', 'clipboard-read', 'display-capture']) {
      expect(allowPermission({ permission, requestingUrl: APP, mediaTypes: [], isMainFrame: true }), permission).toBe(false);
    }
    expect(allowPermissionCheck('media', 'app://tally')).toBe(true);
    expect(allowPermissionCheck('media', 'https://example.com')).toBe(false);
    expect(allowPermissionCheck('geolocation', 'app://tally')).toBe(false);
  });

  it('lets no request leave for the network or the disk', () => {
    for (const url of ['app://tally/index.html', 'app://tally/assets/x.wasm', 'data:image/png;base64,AAAA', 'blob:app://tally/1234', 'devtools://devtools/bundled/x.html']) {
      expect(allowRequest(url), url).toBe(true);
    }
    for (const url of ['https://example.com/', 'http://127.0.0.1:8080/', 'ws://127.0.0.1:1234/?secret=x', 'wss://example.com/', 'file:///etc/passwd', 'ftp://example.com/', 'app://evil/index.html', 'chrome://settings', 'nonsense']) {
      expect(allowRequest(url), url).toBe(false);
    }
  });

  it('puts the customer display on the first monitor that is not the primary', () => {
    const primary = { id: 7, bounds: { x: 0, y: 0, width: 1920, height: 1080 } };
    const second = { id: 9, bounds: { x: 1920, y: 0, width: 1024, height: 768 } };
    expect(customerDisplay({ all: [primary], primary })).toBeNull();
    expect(customerDisplay({ all: [primary, second], primary })).toBe(second);
    expect(customerDisplay({ all: [second, primary], primary })).toBe(second);
  });

  it('turns every web preference that reaches Node or other origins off', () => {
    expect(secureWebPreferences('/x/preload.cjs', false)).toMatchObject({
      preload: '/x/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    });
  });
});
