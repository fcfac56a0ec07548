/**
 * The counter camera for a member's QR code (a phone held up to it): the picture, and the code it
 * reads handed to the same scan path as a scanner's (a member QR code is looked up, a refused one
 * says why). Opened with F10, closed with Esc; the camera is released as soon as the panel goes.
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CameraScanner, type CameraErrorCode } from '../../camera/camera-scanner.js';
import { LocalNotice } from '../../components/error-notice.js';
import { useFocusOnMount } from '../../components/use-focus.js';

const ERROR_KEYS = {
  'permission-denied': 'counter.cameraDenied',
  'not-found': 'counter.cameraNotFound',
  unplugged: 'counter.cameraUnplugged',
  io: 'counter.cameraFailed',
} as const satisfies Record<CameraErrorCode, string>;

export function CameraPanel({ onScan }: { readonly onScan: (code: string) => void }) {
  const { t } = useTranslation();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const video = useRef<HTMLVideoElement | null>(null);
  const [state, setState] = useState<'starting' | 'reading' | CameraErrorCode>('starting');
  const onScanRef = useRef(onScan);
  onScanRef.current = onScan;
  useEffect(() => {
    if (video.current === null) return;
    const scanner = new CameraScanner({ video: video.current });
    const offData = scanner.on('data', (scan) => onScanRef.current(scan.text));
    const offError = scanner.on('error', (error) => setState(error.code));
    const offStatus = scanner.on('status', (status) => {
      if (status.kind === 'online') setState('reading');
    });
    void scanner.start();
    return () => {
      offData();
      offError();
      offStatus();
      scanner.stop();
    };
  }, []);
  return (
    <section className="panel panel-camera" aria-labelledby="camera-title" data-screen="camera" data-state={state}>
      <h2 id="camera-title" ref={heading} tabIndex={-1}>
        {t('counter.cameraHeading')}
      </h2>
      <p className="hint">{t('counter.cameraHint')}</p>
      {/* The picture only: muted, nothing to caption (a live camera has no audio track here). */}
      <video ref={video} className="camera-video" muted playsInline aria-label={t('counter.cameraVideo')} />
      {state === 'starting' && <p role="status">{t('counter.cameraStarting')}</p>}
      {state !== 'starting' && state !== 'reading' && <LocalNotice text={t(ERROR_KEYS[state])} />}
    </section>
  );
}
