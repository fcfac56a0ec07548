import { describe, expect, it } from 'vitest';
import { Services } from './service.js';

describe('the host services', () => {
  it('refuses a name twice, and a service added once they run', () => {
    const services = new Services(() => undefined);
    services.add('scanners', () => () => undefined);
    expect(() => services.add('scanners', () => () => undefined)).toThrow(/already has a service called "scanners"/);
    services.startAll();
    expect(() => services.add('late', () => () => undefined)).toThrow(/after the services started/);
    expect(services.names).toEqual(['scanners']);
  });

  it('starts every service once; one that throws is logged and the others run; stopping waits for every stop', async () => {
    const log: string[] = [];
    const events: string[] = [];
    const services = new Services((line) => log.push(line));
    let finishSlowStop: () => void = () => undefined;
    services.add('slow', () => {
      events.push('slow started');
      return () =>
        new Promise<void>((resolve) => {
          finishSlowStop = () => {
            events.push('slow stopped');
            resolve();
          };
        });
    });
    services.add('broken', () => {
      throw new Error('no such device');
    });
    services.add('quick', () => {
      events.push('quick started');
      return () => void events.push('quick stopped');
    });
    services.startAll();
    services.startAll();
    expect(events).toEqual(['slow started', 'quick started']);
    expect(log.join('\n')).toMatch(/the broken service did not start \(please report it\): Error: no such device\n\s+at /);

    const stopped = services.stopAll().then(() => events.push('all stopped'));
    await Promise.resolve();
    expect(events).toEqual(['slow started', 'quick started', 'quick stopped']);
    finishSlowStop();
    await stopped;
    expect(events.at(-1)).toBe('all stopped');
  });

  it('logs a stop that fails and still stops the rest', async () => {
    const log: string[] = [];
    const services = new Services((line) => log.push(line));
    let stopped = false;
    services.add('a', () => () => Promise.reject(new Error('port busy')));
    services.add('b', () => () => void (stopped = true));
    services.startAll();
    await services.stopAll();
    expect(stopped).toBe(true);
    expect(log.join('\n')).toMatch(/the a service did not stop cleanly: Error: port busy/);
  });
});
