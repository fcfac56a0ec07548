/**
 * Page object of the manager screen's admin sections (src/ui/terminal/manager: a member's history,
 * details, PIN and erasure; devices; the program; the managers) for the e2e suite. It drives the
 * same browser page as ManagerPage (login, search), seen through these sections.
 */
import type { Locator, Page } from 'playwright-core';
import type { ManagerPage } from './manager-page.js';

const TIMEOUT = 20_000;

export interface HistoryRow {
  readonly kind: string;
  readonly points: number;
  readonly text: string;
}

export class ManagerAdminPage {
  constructor(readonly manager: ManagerPage) {}

  get page(): Page {
    return this.manager.page;
  }

  private async open(section: 'Members' | 'Devices' | 'Program' | 'Managers', korean: string, screen: string): Promise<void> {
    await this.page.getByRole('navigation').getByRole('button', { name: new RegExp(`^(${section}|${korean})$`) }).click();
    await this.page.locator(`[data-screen="${screen}"]`).waitFor({ timeout: TIMEOUT });
  }

  openMembers(): Promise<void> {
    return this.open('Members', '회원', 'manager-members');
  }
  openDevices(): Promise<void> {
    return this.open('Devices', '장치', 'manager-devices');
  }
  openProgram(): Promise<void> {
    return this.open('Program', '프로그램', 'manager-program');
  }
  openManagers(): Promise<void> {
    return this.open('Managers', '관리자', 'manager-managers');
  }

  // ---- a member

  /** The history table's rows, once loaded, newest first. */
  async history(): Promise<HistoryRow[]> {
    const table = this.page.getByTestId('member-history').locator('table');
    await table.waitFor({ timeout: TIMEOUT });
    return table.locator('tbody tr').evaluateAll((rows) =>
      rows.map((row) => ({ kind: row.getAttribute('data-kind') ?? '', points: Number(row.getAttribute('data-points')), text: row.textContent ?? '' })),
    );
  }

  /** Waits until the history's newest entry is of `kind`. */
  async waitForNewestHistory(kind: string): Promise<void> {
    await this.page.getByTestId('member-history').locator(`tbody tr:first-child[data-kind="${kind}"]`).waitFor({ timeout: TIMEOUT });
  }

  async editDetails(fields: Partial<Record<'name' | 'phone' | 'email' | 'birthday', string>>): Promise<void> {
    for (const [field, value] of Object.entries(fields)) await this.page.locator(`#member-edit-${field}`).fill(value);
    await this.page.getByTestId('member-edit-form').getByRole('button', { name: /^(Save the details|정보 저장)$/ }).click();
    await this.page.getByTestId('member-edit-saved').waitFor({ timeout: TIMEOUT });
  }

  async resetMemberPin(pin: string): Promise<void> {
    await this.page.locator('#member-new-pin').fill(pin);
    await this.page.locator('#member-new-pin').press('Enter');
    await this.page.getByTestId('member-pin-done').waitFor({ timeout: TIMEOUT });
  }

  /** Types the reason, Enter, and stops at the confirmation (focused). */
  async askToErase(reason: string): Promise<void> {
    await this.page.locator('#member-erase-reason').fill(reason);
    await this.page.locator('#member-erase-reason').press('Enter');
    await this.page.getByTestId('member-erase-confirm').waitFor({ timeout: TIMEOUT });
  }

  async confirmErase(): Promise<void> {
    await this.page.keyboard.press('Enter');
    await this.page.getByTestId('member-erased').waitFor({ timeout: TIMEOUT });
  }

  // ---- devices

  async addTcpPrinter(id: string, host: string, port: number, profileId: string): Promise<void> {
    await this.page.locator('#printer-id').fill(id);
    await this.page.locator('#printer-host').fill(host);
    await this.page.locator('#printer-port').fill(String(port));
    await this.page.locator('#printer-profile').selectOption(profileId);
    await this.page.locator('#printer-port').press('Enter');
    await this.printerRow(id).waitFor({ timeout: TIMEOUT });
  }

  printerRow(id: string): Locator {
    return this.page.locator(`[data-testid="printers"] tr[data-printer="${id}"]`);
  }

  async printerCondition(id: string, state: string): Promise<void> {
    await this.page.locator(`[data-testid="printers"] tr[data-printer="${id}"][data-state="${state}"]`).waitFor({ timeout: 45_000 });
  }

  /** Presses the printer's Test button; returns the queued job's number the screen names. */
  async testPrinter(id: string): Promise<number> {
    await this.printerRow(id).getByRole('button', { name: new RegExp(`^(Test ${id}|${id} 테스트)$`) }).click();
    const notice = this.page.getByTestId('printers-notice');
    await notice.getByText(/Test slip \d+ queued/).waitFor({ timeout: TIMEOUT });
    const m = /Test slip (\d+)/.exec(await notice.innerText());
    if (!m) throw new Error('the test slip notice names no job');
    return Number(m[1]);
  }

  async startScanTest(): Promise<void> {
    await this.page.getByRole('button', { name: /^(Scan a code now|지금 코드 스캔)$/ }).click();
    await this.page.locator('[data-testid="scan-test"][data-state="waiting"]').waitFor({ timeout: TIMEOUT });
  }

  async scanTestResult(): Promise<string> {
    const result = this.page.locator('[data-testid="scan-test"][data-state="scanned"]');
    await result.waitFor({ timeout: TIMEOUT });
    return (await result.innerText()).trim();
  }

  queueRow(txnId: string): Locator {
    return this.page.locator(`[data-testid="print-queue"] tr[data-txn="${txnId}"]`).first();
  }

  async refreshQueue(): Promise<void> {
    await this.page.getByRole('button', { name: /^(Refresh the queue|대기열 새로 고침)$/ }).click();
  }

  /** Presses Reprint on the queue's row for the transaction; returns the new job's number. */
  async reprint(txnId: string): Promise<number> {
    await this.queueRow(txnId).getByRole('button', { name: new RegExp(`^(Reprint ${txnId}|${txnId} 재인쇄)$`) }).click();
    const notice = this.page.getByTestId('print-queue-notice');
    await notice.getByText(/queued again \(job \d+\)/).waitFor({ timeout: TIMEOUT });
    const m = /job (\d+)/.exec(await notice.innerText());
    if (!m) throw new Error('the reprint notice names no job');
    return Number(m[1]);
  }

  // ---- the program

  async programVersion(): Promise<number> {
    const version = this.page.getByTestId('program-version');
    await version.waitFor({ timeout: TIMEOUT });
    return Number((await version.innerText()).trim());
  }

  /** Waits until the program in force shown is `version` (the section asks again after an install). */
  async waitForProgramVersion(version: number): Promise<void> {
    await this.page.locator(`[data-testid="program-in-force"][data-version="${version}"]`).waitFor({ timeout: TIMEOUT });
  }

  async pickProgramFile(path: string): Promise<void> {
    await this.page.locator('#program-file').setInputFiles(path);
  }

  /** The diff's rows as `kind path`, once shown. */
  async programDiff(): Promise<string[]> {
    await this.page.getByTestId('program-diff').waitFor({ timeout: TIMEOUT });
    return this.page
      .getByTestId('program-diff')
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-kind') ?? ''} ${row.getAttribute('data-path') ?? ''}`));
  }

  async installProgram(): Promise<string> {
    await this.page.getByTestId('program-diff').getByRole('button', { name: /^(Install version|버전 \d+ 설치)/ }).click();
    const done = this.page.getByTestId('program-installed');
    await done.waitFor({ timeout: TIMEOUT });
    return (await done.innerText()).trim();
  }

  /** The translated refusal shown in the section, with its code. */
  async refusal(): Promise<{ readonly code: string | null; readonly text: string }> {
    const alert = this.page.locator('[data-screen="manager-program"] [data-error-code]').first();
    await alert.waitFor({ timeout: TIMEOUT });
    return { code: await alert.getAttribute('data-error-code'), text: (await alert.locator('.notice-message').innerText()).trim() };
  }

  // ---- managers

  managerRow(id: string): Locator {
    return this.page.locator(`[data-testid="managers-table"] tr[data-manager="${id}"]`);
  }

  async managerState(id: string): Promise<string | null> {
    await this.managerRow(id).waitFor({ timeout: TIMEOUT });
    return this.managerRow(id).getAttribute('data-state');
  }

  /** Waits until the list shows the manager in `state` (it is asked again after each action). */
  async waitForManagerState(id: string, state: 'active' | 'locked' | 'retired'): Promise<void> {
    await this.page.locator(`[data-testid="managers-table"] tr[data-manager="${id}"][data-state="${state}"]`).waitFor({ timeout: TIMEOUT });
  }

  async addManager(id: string, name: string, pin: string): Promise<void> {
    await this.page.locator('#new-manager-id').fill(id);
    await this.page.locator('#new-manager-name').fill(name);
    await this.page.locator('#new-manager-pin').fill(pin);
    await this.page.locator('#new-manager-pin').press('Enter');
    await this.managerRow(id).waitFor({ timeout: TIMEOUT });
  }

  async setManagerPin(id: string, pin: string): Promise<void> {
    await this.managerRow(id).getByRole('button', { name: new RegExp(`^(Set ${id}’s PIN|${id}의 PIN 설정)$`) }).click();
    await this.page.locator('#manager-new-pin').fill(pin);
    await this.page.locator('#manager-new-pin').press('Enter');
    await this.page.getByTestId('managers-notice').getByText(`Manager ${id} has a new PIN`).waitFor({ timeout: TIMEOUT });
  }

  async retireManager(id: string): Promise<void> {
    await this.managerRow(id).getByRole('button', { name: new RegExp(`^(Retire ${id}|${id} 퇴직 처리)$`) }).click();
    // The confirmation has the focus: Enter answers it.
    await this.page.keyboard.press('Enter');
    await this.page.getByTestId('managers-notice').getByText(`Manager ${id} retired`).waitFor({ timeout: TIMEOUT });
  }
}
