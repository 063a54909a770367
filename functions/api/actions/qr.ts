import type { ApiAction } from '#api/context';
import { getLink, view } from '#links/service';
import { parseQrOptions } from '#qr/model';
import { renderQr } from '#qr/service';

/** The QR code encodes `<shortUrl>?r=qr` so scans are told apart from clicks. */
export const linkQrAction: ApiAction<'/api/links/{id}/qr'> = {
  permission: 'read',
  run: async (ctx) => {
    const options = parseQrOptions(ctx.query);
    const link = view(await getLink(ctx.params.id));
    const image = renderQr(link.qrContent, options);
    const extension = options.format;
    return {
      statusCode: 200,
      headers: {
        'content-type': image.contentType,
        'cache-control': 'private, max-age=300',
        'content-disposition': `inline; filename="${link.slug}-qr.${extension}"`,
      },
      body: image.body.toString('base64'),
      isBase64Encoded: true,
    };
  },
};
