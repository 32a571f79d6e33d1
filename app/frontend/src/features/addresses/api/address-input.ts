import { z } from 'zod';

/** Client-side check of an address before it is sent; the server validates it again. */
export const addressInputSchema = z.object({
  full_name: z.string().trim().min(1, 'Enter the name on the address.').max(200),
  line1: z.string().trim().min(1, 'Enter the street address.').max(255),
  line2: z.string().trim().max(255),
  city: z.string().trim().min(1, 'Enter the city.').max(120),
  state: z.string().trim().max(120),
  postal_code: z.string().trim().min(1, 'Enter the postal code.').max(20),
  country: z.string().regex(/^[A-Z]{2}$/, 'Choose a country.'),
  is_default: z.boolean().optional()
});

export type AddressInputValues = z.infer<typeof addressInputSchema>;
