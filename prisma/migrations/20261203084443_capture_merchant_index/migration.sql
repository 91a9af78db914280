-- CreateIndex
CREATE INDEX "Capture_merchantId_createdAt_id_idx" ON "Capture"("merchantId", "createdAt", "id");
