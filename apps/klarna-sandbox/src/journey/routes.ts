// The purchase journey behind `payment_request_url` (CONTRACT.md §8, §8.3): opening the page
// enters the journey (IN_PROGRESS); the customer approves, declines or leaves. Pages are HTML for
// a browser, so failures here are pages too, never the JSON error format.
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { PaymentRequestActions } from '../contracts.js';
import { SandboxError } from '../errors.js';
import type { RegisterRoutes } from '../deps.js';
import type { PaymentRequestView } from '../payment-requests/model.js';
import { substituteReturnUrl } from '../payment-requests/return-url.js';
import { finalStatePage, journeyPage, notFoundPage, resultPage } from './pages.js';
import { isOpen, readJourneyView } from './view-model.js';

const pageParams = z.object({ id: z.string().min(1) });
const actionParams = z.object({ id: z.string().min(1), action: z.enum(['approve', 'decline', 'abort']) });

const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .header('Content-Security-Policy', CSP)
    .header('X-Content-Type-Options', 'nosniff')
    .send(body);
}

/** The return_url with its placeholders filled from the request as it is now. */
function returnUrlOf(view: PaymentRequestView): string | undefined {
  // The config is the partner's echo: read it tolerantly.
  const config = view.customer_interaction_config;
  const template =
    typeof config === 'object' && config !== null && 'return_url' in config ? config.return_url : undefined;
  if (typeof template !== 'string') return undefined;
  return substituteReturnUrl(template, {
    id: view.payment_request_id,
    state: view.state,
    reference: view.payment_request_reference,
    sessionToken: view.state_context.klarna_network_session_token,
  });
}

/** The page for a request as it stands (journey if still open, else its outcome). */
function currentPage(requests: PaymentRequestActions, id: string, reply: FastifyReply, status = 200) {
  const view = requests.view(id);
  const journey = view && readJourneyView(view);
  if (!view || !journey) return sendPage(reply, 404, notFoundPage());
  if (isOpen(journey.state)) return sendPage(reply, status, journeyPage(journey));
  return sendPage(reply, status, finalStatePage(journey.state, returnUrlOf(view)));
}

const redirect = (reply: FastifyReply, url: string) => reply.code(303).header('Location', url).send();

export const registerJourneyRoutes: RegisterRoutes = (app, deps) => {
  const requests = deps.paymentRequests;

  // An encapsulated scope: the form parser is for the journey's own routes only.
  // Loaded with the app (ready/listen), like every Fastify plugin.
  void app.register((scope, _opts, done) => {
    // Browsers post plain HTML forms as urlencoded; the pages need nothing from the body.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, body, next) => next(null, new URLSearchParams(body.toString())),
    );

    scope.get('/journey/:id', (req, reply) => {
      const { id } = pageParams.parse(req.params);
      if (requests.state(id) === 'SUBMITTED') {
        try {
          requests.act(id, 'enter');
        } catch (err) {
          // Expired or cancelled between the read and the click: the page shows what it is now.
          if (!(err instanceof SandboxError)) throw err;
        }
      }
      return currentPage(requests, id, reply);
    });

    scope.post('/journey/:id/:action', (req, reply) => {
      const { id, action } = actionParams.parse(req.params);
      const state = requests.state(id);
      if (state === undefined) return sendPage(reply, 404, notFoundPage());
      try {
        switch (action) {
          case 'approve': {
            const result = requests.act(id, 'complete');
            if (result.redirectUrl !== undefined) return redirect(reply, result.redirectUrl);
            return sendPage(
              reply,
              200,
              resultPage('Purchase complete', 'Thank you. You can return to the merchant.', undefined),
            );
          }
          case 'decline': {
            const result = requests.act(id, 'decline');
            return sendPage(
              reply,
              200,
              resultPage(
                'Purchase declined',
                'You declined this purchase. Nothing was charged.',
                result.redirectUrl,
              ),
            );
          }
          case 'abort': {
            if (!isOpen(state)) return currentPage(requests, id, reply, 409);
            // Leaving before the journey was entered changes nothing; either way the customer goes back.
            const result = state === 'IN_PROGRESS' ? requests.act(id, 'abort') : undefined;
            const view = requests.view(id);
            const back = result?.redirectUrl ?? (view && returnUrlOf(view));
            if (back !== undefined) return redirect(reply, back);
            return sendPage(
              reply,
              200,
              resultPage('Purchase left', 'You left the purchase. Nothing was charged.', undefined),
            );
          }
        }
      } catch (err) {
        if (!(err instanceof SandboxError)) throw err;
        // A second click, or the request ended meanwhile: show where it stands.
        return currentPage(requests, id, reply, err.kind === 'not_found' ? 404 : 409);
      }
    });

    done();
  });
};
