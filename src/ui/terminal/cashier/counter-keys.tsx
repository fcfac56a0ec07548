/**
 * The counter's function keys, each also a button: a return (F4), the member's action bonus (F6),
 * membership (F7) and donation (F8) once a member is shown, a reprint of this counter's last slip
 * (F9), and the camera for a member's QR code (F10). The keys work wherever the focus is.
 */
import { useTranslation } from 'react-i18next';
import { useKey } from '../../components/use-key.js';

export interface CounterKeysProps {
  readonly memberShown: boolean;
  readonly canReprint: boolean;
  readonly cameraAvailable: boolean;
  readonly onReturn: () => void;
  readonly onAction: () => void;
  readonly onMembership: () => void;
  readonly onDonation: () => void;
  readonly onReprint: () => void;
  readonly onCamera: () => void;
}

export function CounterKeys(props: CounterKeysProps) {
  const { t } = useTranslation();
  const whenMember = (action: () => void) => () => {
    if (props.memberShown) action();
  };
  useKey('F4', props.onReturn);
  useKey('F6', whenMember(props.onAction));
  useKey('F7', whenMember(props.onMembership));
  useKey('F8', whenMember(props.onDonation));
  useKey('F9', props.onReprint);
  useKey('F10', () => {
    if (props.cameraAvailable) props.onCamera();
  });
  const keys: readonly { readonly id: string; readonly key: string; readonly label: string; readonly enabled: boolean; readonly run: () => void }[] = [
    { id: 'return', key: 'F4', label: t('counter.keyReturn'), enabled: true, run: props.onReturn },
    { id: 'action', key: 'F6', label: t('counter.keyAction'), enabled: props.memberShown, run: props.onAction },
    { id: 'membership', key: 'F7', label: t('counter.keyMembership'), enabled: props.memberShown, run: props.onMembership },
    { id: 'donation', key: 'F8', label: t('counter.keyDonation'), enabled: props.memberShown, run: props.onDonation },
    { id: 'reprint', key: 'F9', label: t('counter.keyReprint'), enabled: props.canReprint, run: props.onReprint },
    { id: 'camera', key: 'F10', label: t('counter.keyCamera'), enabled: props.cameraAvailable, run: props.onCamera },
  ];
  return (
    <nav className="counter-keys" aria-label={t('counter.keysLabel')}>
      {keys.map((k) => (
        <button key={k.id} type="button" data-testid={`key-${k.id}`} disabled={!k.enabled} onClick={k.run}>
          {k.label} <kbd>{k.key}</kbd>
        </button>
      ))}
    </nav>
  );
}
