/**
 * What main itself says to a person (dialogs), in English and Korean, chosen by the system's
 * language. The terminal host's own messages (a refusal's detail) are English, as the CLI's are.
 */
export type Language = 'en' | 'ko';

export function languageOf(locale: string): Language {
  return locale.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}


export interface DialogText {
  readonly title: string;
  readonly body: string;
}

/** The host refused to start (`code`, `message` from the host) for the ledger at `db`. */
export function hostFailedText(language: Language, db: string, failure: { readonly code: string; readonly message: string }): DialogText {
  if (failure.code === 'crash-loop') {
    return language === 'ko'
      ? {
          title: 'Tally를 시작할 수 없습니다',
          body: `단말기 호스트가 시작하는 동안 계속 멈춰서 Tally가 시도를 멈췄습니다.\n(${failure.message})\n\n터미널에서 \`npm start\`로 Tally를 시작하면 원인이 표시됩니다.`,
        }
      : {
          title: 'Tally cannot start',
          body: `The terminal host kept stopping while it started, so Tally stopped trying.\n(${failure.message})\n\nStart Tally from a terminal (\`npm start\`) to see why.`,
        };
  }
  return language === 'ko'
    ? { title: 'Tally를 시작할 수 없습니다', body: `단말기 호스트가 데이터베이스를 열 수 없습니다:\n${db}\n\n${failure.message}` }
    : { title: 'Tally cannot start', body: `The terminal host could not open the database\n${db}\n\n${failure.message}` };
}

/** The app's files are missing (a checkout that was not built). */
export function notBuiltText(language: Language, missing: string): DialogText {
  return language === 'ko'
    ? { title: 'Tally를 시작할 수 없습니다', body: `앱 파일이 없습니다: ${missing}\n\nTally 폴더에서 \`npm run build\`를 실행한 뒤 다시 시작하세요.` }
    : { title: 'Tally cannot start', body: `A file of the app is missing: ${missing}\n\nRun \`npm run build\` in the Tally folder, then start Tally again.` };
}
