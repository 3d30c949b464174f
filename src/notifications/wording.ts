import type { StoppedReason } from '../domain/subscription.js';
import type { NotificationLocale } from './types.js';

/**
 * Sentences an e-mail needs that depend on a value, not on the template (the template language
 * has no conditionals, by design): why a subscription stopped, what happens after a failed
 * charge, why a callback was refused. Every StoppedReason the subscription workflow writes has its
 * words here (`satisfies Record<StoppedReason, …>`: a new reason does not compile without them).
 */
type Phrases<K extends string> = Record<K, Record<NotificationLocale, string>>;

export const STOPPED_REASON_WORDS = {
  user_request: {
    en: 'You asked us to stop it.',
    pl: 'Zatrzymaliśmy ją na Twoją prośbę.',
    ru: 'Мы остановили её по вашей просьбе.',
  },
  admin_request: {
    en: 'It was stopped by our staff.',
    pl: 'Zatrzymał ją nasz pracownik.',
    ru: 'Её остановил наш сотрудник.',
  },
  hard_decline: {
    en: 'Your bank refused the charge and asked us not to try this card again.',
    pl: 'Twój bank odrzucił obciążenie i nie zezwala na kolejne próby z tą kartą.',
    ru: 'Ваш банк отклонил списание и не разрешает повторять попытки с этой картой.',
  },
  retries_exhausted: {
    en: 'The payment did not go through after several attempts.',
    pl: 'Płatność nie powiodła się mimo kilku prób.',
    ru: 'Платёж не прошёл после нескольких попыток.',
  },
  card_expired: {
    en: 'The card on file has expired.',
    pl: 'Zapisana karta straciła ważność.',
    ru: 'Срок действия сохранённой карты истёк.',
  },
  ended: {
    en: 'It reached its end date.',
    pl: 'Upłynął okres, na który została zawarta.',
    ru: 'Закончился срок, на который она была оформлена.',
  },
  disputed: {
    en: 'One of its charges was disputed with your bank.',
    pl: 'Jedno z jej obciążeń zostało zakwestionowane w Twoim banku.',
    ru: 'Одно из её списаний было оспорено в вашем банке.',
  },
} satisfies Phrases<StoppedReason>;

export function stoppedReasonWords(reason: string, locale: NotificationLocale): string {
  const words = (STOPPED_REASON_WORDS as Partial<Phrases<string>>)[reason];
  // A reason this code does not know (a newer worker wrote it): the generic words, never the code.
  return words?.[locale] ?? { en: 'It could not be continued.', pl: 'Nie mogła być kontynuowana.', ru: 'Её не удалось продолжить.' }[locale];
}

/** What happens after a failed charge, by what the workflow decided. */
export const CHARGE_FAILED_NEXT = {
  retry: {
    en: 'We will try again on {date}. Please make sure the card has enough funds; if the card has changed, please contact us to update it.',
    pl: 'Spróbujemy ponownie {date}. Upewnij się, że na karcie są wystarczające środki; jeśli karta się zmieniła, skontaktuj się z nami, aby ją zaktualizować.',
    ru: 'Мы повторим попытку {date}. Пожалуйста, убедитесь, что на карте достаточно средств; если карта сменилась, свяжитесь с нами, чтобы обновить её данные.',
  },
  confirm: {
    en: 'Your bank asks you to confirm this payment yourself. Please pay it on the page below by {date}; until then we will not try the card again.',
    pl: 'Twój bank prosi o samodzielne potwierdzenie tej płatności. Opłać ją na stronie poniżej do {date}; do tego czasu nie będziemy ponownie obciążać karty.',
    ru: 'Ваш банк просит вас подтвердить этот платёж самостоятельно. Пожалуйста, оплатите его на странице ниже до {date}; до тех пор мы не будем повторно списывать деньги с карты.',
  },
  contact: {
    en: 'We will not try the card again by ourselves. Please contact us to pay or to update the card.',
    pl: 'Nie będziemy samodzielnie ponawiać obciążenia karty. Skontaktuj się z nami, aby opłacić należność lub zaktualizować kartę.',
    ru: 'Сами мы больше не будем пытаться списать деньги с карты. Пожалуйста, свяжитесь с нами, чтобы оплатить или обновить данные карты.',
  },
  // A decline after Tollgate's own retries of technical errors: the date of a next try is the
  // workflow's to decide and is not known when this e-mail is written, so it promises none.
  declined: {
    en: 'Your bank declined the payment. Please make sure the card has enough funds; if the card has changed, please contact us to update it.',
    pl: 'Twój bank odrzucił płatność. Upewnij się, że na karcie są wystarczające środki; jeśli karta się zmieniła, skontaktuj się z nami, aby ją zaktualizować.',
    ru: 'Ваш банк отклонил платёж. Пожалуйста, убедитесь, что на карте достаточно средств; если карта сменилась, свяжитесь с нами, чтобы обновить её данные.',
  },
} satisfies Phrases<'retry' | 'confirm' | 'contact' | 'declined'>;

export const PAY_BUTTON: Record<NotificationLocale, string> = { en: 'Pay now', pl: 'Zapłać teraz', ru: 'Оплатить' };

/** When a temporary payment must be confirmed by the bank. */
export const TEMPORARY_CONFIRMATION = {
  by_date: {
    en: 'The bank has to confirm the payment by {date}.',
    pl: 'Bank powinien potwierdzić wpłatę do {date}.',
    ru: 'До {date} банк должен подтвердить платёж.',
  },
  no_deadline: {
    en: 'It stays counted until the bank confirms the payment.',
    pl: 'Wpłata pozostaje zaliczona do czasu potwierdzenia przez bank.',
    ru: 'Платёж остаётся зачтённым, пока банк его не подтвердит.',
  },
} satisfies Phrases<'by_date' | 'no_deadline'>;

export const CALLBACK_REFUSED_WORDS = {
  rejected_source: {
    en: 'It came from an address outside the gateway’s allowlist.',
    pl: 'Przyszło z adresu spoza listy adresów dozwolonych dla bramki.',
    ru: 'Он пришёл с адреса, которого нет в списке разрешённых для шлюза.',
  },
  rejected_signature: {
    en: 'Its signature did not verify.',
    pl: 'Jego podpis okazał się nieprawidłowy.',
    ru: 'Его подпись не прошла проверку.',
  },
} satisfies Phrases<'rejected_source' | 'rejected_signature'>;

export const ENDPOINT_DISABLED_WORDS = {
  gone: {
    en: 'The endpoint answered 410 Gone, which asks senders to stop.',
    pl: 'Punkt odbioru odpowiedział 410 Gone, czyli poprosił o zaprzestanie wysyłki.',
    ru: 'Адрес ответил 410 Gone, то есть попросил больше не присылать запросы.',
  },
  failing: {
    en: 'Every delivery to it has failed for too long.',
    pl: 'Wszystkie próby dostarczenia kończyły się błędem przez zbyt długi czas.',
    ru: 'Все доставки на него слишком долго заканчивались ошибкой.',
  },
} satisfies Phrases<'gone' | 'failing'>;

/** Puts values into a phrase: "{date}" → the date. */
export function phrase(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}
