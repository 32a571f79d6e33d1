import { CART_STORAGE_KEY, createCartStore, MAX_PER_LINE, summarize } from '../cart-store';

const skillet = {
  productId: 1,
  name: 'Skillet',
  price: '42.00',
  currency: 'usd',
  imageUrl: null,
  stock: 3
};
const board = {
  productId: 2,
  name: 'Board',
  price: '19.99',
  currency: 'usd',
  imageUrl: null,
  stock: 60
};

describe('cart store', () => {
  test('adding the same product twice makes one line with the summed quantity', () => {
    const cart = createCartStore(localStorage);
    cart.add(skillet, 1);
    cart.add(skillet, 1);
    expect(cart.getLines()).toEqual([{ ...skillet, quantity: 2 }]);
  });

  test('a quantity above the stock is capped at the stock', () => {
    const cart = createCartStore(localStorage);
    expect(cart.add(skillet, 5)).toBe(3);
    expect(cart.add(skillet, 1)).toBe(3);
    expect(cart.add(board, 100)).toBe(MAX_PER_LINE);
  });

  test('setting a quantity to zero removes the line; remove and clear empty it', () => {
    const cart = createCartStore(localStorage);
    cart.add(skillet, 2);
    cart.add(board, 1);
    cart.setQuantity(1, 0);
    expect(cart.getLines().map((line) => line.productId)).toEqual([2]);
    cart.remove(2);
    expect(cart.getLines()).toEqual([]);
    cart.add(board, 1);
    cart.clear();
    expect(cart.getLines()).toEqual([]);
  });

  test('the cart survives a reload: a new store on the same storage has the same lines', () => {
    const first = createCartStore(localStorage);
    first.add(skillet, 2);
    first.add(board, 3);
    const afterReload = createCartStore(localStorage);
    expect(afterReload.getLines()).toEqual(first.getLines());
  });

  test('a corrupt or foreign stored cart is dropped instead of crashing the page', () => {
    localStorage.setItem(CART_STORAGE_KEY, '{not json');
    expect(createCartStore(localStorage).getLines()).toEqual([]);
    localStorage.setItem(
      CART_STORAGE_KEY,
      JSON.stringify({ version: 1, lines: [{ productId: 'x' }] })
    );
    expect(createCartStore(localStorage).getLines()).toEqual([]);
  });

  test('a stored cart is read back as it was saved, and older lines get the defaults', () => {
    const saved = createCartStore(localStorage);
    saved.add(skillet, 2);
    expect(createCartStore(localStorage).getLines()).toEqual([{ ...skillet, quantity: 2 }]);
    const { currency: _currency, imageUrl: _imageUrl, ...older } = board;
    localStorage.setItem(
      CART_STORAGE_KEY,
      JSON.stringify({ version: 1, lines: [{ ...older, quantity: 1 }] })
    );
    expect(createCartStore(localStorage).getLines()).toEqual([{ ...board, quantity: 1 }]);
  });

  test.each([
    ['another version', { version: 2, lines: [{ ...skillet, quantity: 1 }] }],
    ['a zero quantity', { version: 1, lines: [{ ...skillet, quantity: 0 }] }],
    ['a fractional stock', { version: 1, lines: [{ ...skillet, stock: 1.5, quantity: 1 }] }],
    ['a numeric price', { version: 1, lines: [{ ...skillet, price: 42, quantity: 1 }] }],
    ['one bad line among good ones', { version: 1, lines: [{ ...skillet, quantity: 1 }, null] }]
  ])('a stored cart with %s is dropped whole', (_case, stored) => {
    localStorage.setItem(CART_STORAGE_KEY, JSON.stringify(stored));
    expect(createCartStore(localStorage).getLines()).toEqual([]);
  });

  test('subscribers hear every change', () => {
    const cart = createCartStore(localStorage);
    const listener = vi.fn();
    const unsubscribe = cart.subscribe(listener);
    cart.add(board, 1);
    cart.setQuantity(2, 2);
    unsubscribe();
    cart.clear();
    expect(listener).toHaveBeenCalledTimes(2);
  });

  test('the subtotal is exact in cents (3 × 19.99 is 59.97, not 59.970000000000006)', () => {
    expect(summarize([{ ...board, quantity: 3 }])).toEqual({
      count: 3,
      subtotal: '59.97',
      currency: 'usd'
    });
    expect(
      summarize([
        { ...board, price: '0.10', quantity: 1 },
        { ...skillet, price: '0.20', quantity: 1 }
      ]).subtotal
    ).toBe('0.30');
  });
});
