import { z } from 'zod';

/** What a staff member fills in to create or edit a product; the server checks it again. */
export const productInputSchema = z.object({
  name: z.string().trim().min(1, 'Enter a name.').max(200),
  description: z.string().trim().max(5000),
  price: z
    .string()
    .trim()
    .regex(/^\d+(\.\d{1,2})?$/, 'Enter a price like 19.99.'),
  stock: z.coerce
    .number({ error: 'Enter a whole number.' })
    .int('Enter a whole number.')
    .min(0, 'Stock cannot be negative.'),
  category: z.string().min(1, 'Choose a category.'),
  // Empty means "the drawn picture the backend makes"; otherwise a full URL or a same-site path.
  image_url: z.union([z.literal(''), z.url(), z.string().regex(/^\/[^/]/)], {
    error: 'Enter a full image address (https://…), a path starting with /, or leave it empty.'
  })
});

export type ProductInput = z.infer<typeof productInputSchema>;
