import { Type } from '@sinclair/typebox';

export const ConnectionJson = Type.Object({
  id: Type.String(),
  connection_id: Type.String(),
  unified_connection_id: Type.String(),
  provider: Type.String(),
  category: Type.String(),
  status: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  last_synced_at: Type.Union([Type.String(), Type.Null()]),
});
