/**
 * The shop's payments_transaction table as its PostgreSQL has it (app/backend/payments'
 * migrations), for the tests that create one by hand: one column list for all of them.
 */

/** Column names and PostgreSQL types, in the table's order. */
const COLUMNS: readonly (readonly [name: string, type: string])[] = [
  ['id', 'bigint PRIMARY KEY'],
  ['created_at', 'timestamptz NOT NULL'],
  ['user_id', 'bigint'],
  ['order_id', 'bigint'],
  ['amount', 'numeric(12,2)'],
  ['currency', 'varchar(3)'],
  ['status', 'varchar(16)'],
  ['decline_code', 'varchar(64)'],
  ['decline_reason', 'varchar(255)'],
  ['card_fingerprint', 'varchar(64)'],
  ['card_brand', 'varchar(16)'],
  ['card_last4', 'varchar(4)'],
  ['card_exp_month', 'smallint'],
  ['card_exp_year', 'smallint'],
  ['billing_city', 'varchar(120)'],
  ['billing_state', 'varchar(120)'],
  ['billing_postal_code', 'varchar(20)'],
  ['billing_country', 'varchar(2)'],
  ['client_ip', 'varchar(45)'],
  ['gateway', 'varchar(16)'],
  ['gateway_reference', 'varchar(255)']
];

/**
 * `CREATE TABLE payments_transaction (...)`. With `awkwardRows`, the table also takes the rows
 * of support/awkward-rows.ts, which the shop's own constraints would refuse: a NULL created_at,
 * a padded country code (' gb'), and the synthetic generator's fraud_pattern label column.
 */
export function paymentsTransactionDdl(options: { awkwardRows?: boolean } = {}): string {
  const columns = COLUMNS.map(([name, type]): string => {
    if (!options.awkwardRows) return `${name} ${type}`;
    if (name === 'created_at') return `${name} timestamptz`;
    if (name === 'billing_country') return `${name} varchar(8)`;
    return `${name} ${type}`;
  });
  if (options.awkwardRows) columns.push('fraud_pattern text');
  return `CREATE TABLE payments_transaction (${columns.join(', ')})`;
}
