import type { AuthUser, GalleryComparison, GalleryFacets, GalleryValues } from '@atelier/contract';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Scopes } from '../../common/auth.decorators.js';
import { GallerySearchService } from './gallery-search.service.js';
import { CompareQueryDto, SearchFiltersDto, ValuesQueryDto } from './search.dto.js';

/** What drives the search box and the result views besides the result pages (GalleryController). */
@ApiTags('gallery')
@Controller('gallery')
export class GallerySearchController {
  constructor(private readonly search: GallerySearchService) {}

  @Get('facets')
  @Scopes('gallery:read')
  @ApiOperation({
    summary: 'Top checkpoints, LoRAs, samplers, tags and owners among the matches, with counts',
  })
  facets(@Query() query: SearchFiltersDto, @CurrentUser() user: AuthUser): Promise<GalleryFacets> {
    return this.search.facets(query, user);
  }

  @Get('compare')
  @Scopes('gallery:read')
  @ApiOperation({ summary: 'What 2–50 images share and what varies between them' })
  compare(@Query() query: CompareQueryDto, @CurrentUser() user: AuthUser): Promise<GalleryComparison> {
    return this.search.compare(query.ids, user);
  }

  @Get('values')
  @Scopes('gallery:read')
  @ApiOperation({ summary: 'Autocomplete: values of a field that images the user may see carry' })
  values(@Query() query: ValuesQueryDto, @CurrentUser() user: AuthUser): Promise<GalleryValues> {
    return this.search.values(query.kind, query.prefix ?? '', query.limit ?? 10, user);
  }
}
